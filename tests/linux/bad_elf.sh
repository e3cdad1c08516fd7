#!/usr/bin/env bash
# bad_elf.sh EXOSIM KERNEL KIND STATIC_PROGRAM DYNAMIC_PROGRAM: exosim must refuse a
# program it cannot run with status 123 (exosim --help) and exactly one line on stderr.
#   dynamic        DYNAMIC_PROGRAM (musl-gcc without -static): the line says
#                  "dynamic executables are not supported yet: link with -static"
#   dynamic_glibc  the host's /bin/true (glibc, dynamic): the same line
#   elf32          STATIC_PROGRAM with EI_CLASS patched to ELFCLASS32, and a minimal
#                  well-formed i386 ELF32 executable
#   corrupt        STATIC_PROGRAM truncated (after the ELF header, in the middle of the
#                  program headers, in the middle of a segment), with garbage after the
#                  ELF magic, and with e_phoff pointing past the end of the file
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm).
set -u
exosim=${1:?usage: bad_elf.sh EXOSIM KERNEL KIND STATIC_PROGRAM DYNAMIC_PROGRAM}
kernel=$2 kind=$3 static=$4 dynamic=$5
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing or not accessible"
	exit 77
fi
[ -x "$exosim" ] || { echo "FAIL: exosim not found at $exosim (build it first)"; exit 1; }
tmpbase=${COMPARE_TMP:-${TMPDIR:-/tmp}}
mkdir -p "$tmpbase"
tmp=$(mktemp -d "$tmpbase/bad_elf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0

# expect_refusal FILE WHAT [MESSAGE]: exosim FILE exits 123 with one stderr line
# (containing MESSAGE if given), nothing on stdout.
expect_refusal() {
	local file=$1 what=$2 msg=${3:-}
	local st=0
	timeout 30 "$exosim" --kernel "$kernel" "$file" arg1 </dev/null >"$tmp/out" 2>"$tmp/err" || st=$?
	local lines
	lines=$(awk 'END { print NR }' "$tmp/err")
	local ok=1
	[ "$st" = 123 ] || ok=0
	[ "$lines" = 1 ] || ok=0
	[ -s "$tmp/out" ] && ok=0
	if [ -n "$msg" ] && ! grep -qF -- "$msg" "$tmp/err"; then
		ok=0
	fi
	if [ "$ok" = 1 ]; then
		echo "ok: $what: status 123: $(cat "$tmp/err")"
	else
		echo "FAIL: $what: status $st (expected 123), $lines stderr line(s) (expected 1)${msg:+, containing \"$msg\"}"
		echo "--- stdout:"
		head -c 2000 "$tmp/out" | sed 20q
		echo "--- stderr:"
		head -c 2000 "$tmp/err" | sed 20q
		fail=1
	fi
}

# patch FILE OFFSET BYTES...: overwrite bytes (octal escapes for printf) at OFFSET.
patch() {
	local f=$1 off=$2
	shift 2
	# shellcheck disable=SC2059 # the octal escapes are the format
	printf "$@" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

dynmsg="dynamic executables are not supported yet: link with -static"
case "$kind" in
dynamic)
	[ -e "$dynamic" ] || { echo "FAIL: $dynamic was not built"; exit 1; }
	expect_refusal "$dynamic" "musl dynamic executable" "$dynmsg"
	;;
dynamic_glibc)
	prog=""
	for p in /usr/bin/true /bin/true; do
		[ -e "$p" ] && { prog=$p; break; }
	done
	[ -n "$prog" ] || { echo "FAIL: no host /usr/bin/true"; exit 1; }
	cp "$prog" "$tmp/true"
	expect_refusal "$tmp/true" "glibc dynamic executable ($prog)" "$dynmsg"
	;;
elf32)
	cp "$static" "$tmp/class32"
	patch "$tmp/class32" 4 '\001'
	expect_refusal "$tmp/class32" "x86-64 program with EI_CLASS = ELFCLASS32"
	# A minimal i386 executable: ELF32 header + one PT_LOAD covering it, entry at
	# the `mov $1,%eax; int $0x80` after the headers.
	{
		printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000'
		printf '\002\000\003\000\001\000\000\000\124\200\004\010\064\000\000\000'
		printf '\000\000\000\000\000\000\000\000\064\000\040\000\001\000\000\000'
		printf '\000\000\000\000'
		printf '\001\000\000\000\000\000\000\000\000\200\004\010\000\200\004\010'
		printf '\135\000\000\000\135\000\000\000\005\000\000\000\000\020\000\000'
		printf '\061\333\270\001\000\000\000\315\200'
	} >"$tmp/i386"
	chmod +x "$tmp/i386"
	expect_refusal "$tmp/i386" "minimal i386 ELF32 executable"
	;;
corrupt)
	size=$(stat -c %s "$static")
	head -c 64 "$static" >"$tmp/hdr_only"
	expect_refusal "$tmp/hdr_only" "only the 64-byte ELF header (program headers missing)"
	head -c 100 "$static" >"$tmp/mid_phdrs"
	expect_refusal "$tmp/mid_phdrs" "truncated in the program headers"
	head -c $((size / 2)) "$static" >"$tmp/half"
	expect_refusal "$tmp/half" "truncated to half ($((size / 2)) of $size bytes)"
	{
		printf '\177ELF'
		head -c 4000 /dev/urandom
	} >"$tmp/garbage"
	expect_refusal "$tmp/garbage" "ELF magic followed by random bytes"
	cp "$static" "$tmp/phoff"
	patch "$tmp/phoff" 32 '\000\000\000\000\000\001\000\000' # e_phoff = 2^40
	expect_refusal "$tmp/phoff" "e_phoff past the end of the file"
	: >"$tmp/empty"
	expect_refusal "$tmp/empty" "an empty file"
	;;
*)
	echo "bad_elf.sh: unknown kind $kind" >&2
	exit 2
	;;
esac
[ "$fail" = 0 ] && echo "PASS: exosim refused every $kind program with status 123 and one line"
exit "$fail"
