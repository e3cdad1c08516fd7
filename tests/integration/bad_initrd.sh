#!/usr/bin/env bash
# bad_initrd.sh WHERE EXOSIM KERNEL NATIVE_PROGRAM LINUX_PROGRAM: a malformed initramfs
# is bad input (status 123 and one line), never a kernel panic, whoever finds it; and
# no byte of the archive reaches stderr unescaped.
#   WHERE=host    exosim --initrd checks the archive on the host (lib/cpio.c, rootfs.c):
#                 a truncated header, a bad magic, huge namesize and filesize, a name
#                 without its NUL, a non-hex digit (in a field no reader uses), a
#                 truncated end, an entry ExOS could not place (its name with an escape
#                 sequence), exosim/init missing or naming what the archive lacks
#   WHERE=kernel  the same kernel under QEMU, which has no host check: a bad magic, a
#                 bad header among the files the kernel reads, exosim/init naming a
#                 missing program with an escape sequence
#   WHERE=exos    under QEMU, archives the kernel starts ExOS from but whose rest is bad
#                 (a non-hex digit in the last entry, an entry it cannot place): ExOS,
#                 which indexes the whole archive, refuses them
# QEMU reports status s as (s << 1) | 1: 123 is 247.
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm for host, no QEMU for the others).
set -u
where=${1:?usage: bad_initrd.sh host|kernel|exos EXOSIM KERNEL NATIVE_PROGRAM LINUX_PROGRAM}
exosim=$2 kernel=$3 native=$4 linux=$5
here=$(cd "$(dirname "$0")" && pwd)
qemu_boot=$here/../../scripts/qemu-boot.sh
case "$where" in
host)
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "SKIP: /dev/kvm is missing or not accessible"
		exit 77
	fi
	;;
kernel | exos)
	if ! command -v qemu-system-x86_64 >/dev/null; then
		echo "SKIP: qemu-system-x86_64 not installed"
		exit 77
	fi
	;;
*)
	echo "usage: bad_initrd.sh host|kernel|exos ..."
	exit 2
	;;
esac
[ -x "$exosim" ] || { echo "FAIL: exosim not found at $exosim (build it first)"; exit 1; }
tmpbase=${RUN_GUEST_TMP:-${TMPDIR:-/tmp}}
mkdir -p "$tmpbase"
tmp=$(mktemp -d "$tmpbase/bad_initrd.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0

# entry NAME MODE DATA [NAMESIZE]: one newc entry on stdout, padded as the format says
# (the archive so far is a multiple of 4 long, so padding is relative to the entry).
# NAME and DATA take printf %b escapes; NAMESIZE overrides the header's name size.
entry() {
	local name data namesize size
	name=$(printf '%b' "$1"; echo x) name=${name%x}
	data=$(printf '%b' "$3"; echo x) data=${data%x}
	size=$(printf '%s' "$data" | wc -c)
	namesize=${4:-$(($(printf '%s' "$name" | wc -c) + 1))}
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' 1 "$2" 0 0 1 0 \
		"$size" 0 0 0 0 "$namesize" 0
	printf '%s\0' "$name"
	head -c $(((4 - (110 + $(printf '%s' "$name" | wc -c) + 1) % 4) % 4)) /dev/zero
	printf '%s' "$data"
	head -c $(((4 - size % 4) % 4)) /dev/zero
}
trailer() { entry 'TRAILER!!!' 0 ''; }
REG=$((0100644)) DIR=$((040755))

# patch FILE OFFSET STRING: overwrite bytes at OFFSET.
patch() { printf '%s' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

# A good archive (exosim --pack) for PROGRAM, without its trailer (124 bytes at the end),
# so that entries can be added after what the kernel reads.
good() {
	"$exosim" --kernel "$kernel" --pack "$tmp/good.cpio" "$1" || { echo "FAIL: --pack $1"; exit 1; }
	head -c -124 "$tmp/good.cpio" >"$tmp/body.cpio"
}

# check WHAT ARCHIVE MESSAGE: the archive is refused with 123 (247 under QEMU), one line
# on stderr that contains MESSAGE, nothing on stdout, and no control byte on stderr.
check() {
	local what=$1 archive=$2 msg=$3 st=0 want=123 err=$tmp/err
	: >"$err"
	if [ "$where" = host ]; then
		timeout 30 "$exosim" --kernel "$kernel" --initrd "$archive" </dev/null \
			>"$tmp/out" 2>"$err" || st=$?
	else
		want=247
		timeout 120 bash "$qemu_boot" "$kernel" "$archive" "$err" </dev/null >"$tmp/out" || st=$?
	fi
	local lines ok=1
	lines=$(awk 'END { print NR }' "$err")
	[ "$st" = "$want" ] || ok=0
	[ "$lines" = 1 ] || ok=0
	[ -s "$tmp/out" ] && ok=0
	grep -qF -- "$msg" "$err" || ok=0
	LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <"$err") && ok=0
	if [ "$ok" = 1 ]; then
		echo "ok: $what: status $st: $(cat "$err")"
	else
		echo "FAIL: $what: status $st (expected $want), $lines stderr line(s) (expected 1)," \
			"containing \"$msg\", no control bytes"
		echo "--- stdout:"
		head -c 2000 "$tmp/out" | cat -v | sed 20q
		echo "--- stderr:"
		head -c 2000 "$err" | cat -v | sed 20q
		fail=1
	fi
}

case "$where" in
host)
	good "$native"
	a=$tmp/a.cpio
	head -c 60 "$tmp/good.cpio" >"$a"
	check "truncated header" "$a" "truncated cpio archive (at byte 0)"
	cp "$tmp/good.cpio" "$a" && patch "$a" 0 X
	check "bad magic" "$a" "bad cpio magic"
	cp "$tmp/good.cpio" "$a" && patch "$a" 94 FFFFFFFF
	check "huge namesize" "$a" "truncated cpio archive"
	cp "$tmp/good.cpio" "$a" && patch "$a" 54 FFFFFFF0
	check "huge filesize" "$a" "truncated cpio archive"
	{ cat "$tmp/body.cpio"; entry 'abcd' $REG 'x' 4; trailer; } >"$a"
	check "name without NUL" "$a" "bad name in cpio header"
	cp "$tmp/good.cpio" "$a" && patch "$a" 6 0000g000
	check "non-hex digit (ino)" "$a" "bad hex digit in cpio header (at byte 0)"
	cp "$tmp/body.cpio" "$a"
	check "no trailer" "$a" "truncated cpio archive"
	{ cat "$tmp/body.cpio"; entry 'f' $REG 'x'; entry 'f/\033[2J\033]0;pwned\007' $REG 'y'
		trailer; } >"$a"
	check "unplaceable entry, escape sequences in its name" "$a" \
		'cannot place f/\x1b[2J\x1b]0;pwned\x07'
	{ entry 'bin' $DIR ''; entry 'bin/x' $REG 'x'; trailer; } >"$a"
	check "no exosim/init" "$a" "names no program"
	{ entry 'exosim/init' $REG 'bin/\033[31mred'; trailer; } >"$a"
	check "exosim/init names a missing program" "$a" 'names bin/\x1b[31mred, which it lacks'
	{ entry 'exosim/init' $REG 'bin/x'; entry 'bin/x' $REG 'not an ELF'; trailer; } >"$a"
	check "exosim/init names a text file" "$a" "bin/x: not an ELF file"
	;;
kernel)
	good "$native"
	a=$tmp/a.cpio
	cp "$tmp/good.cpio" "$a" && patch "$a" 0 X
	check "bad magic" "$a" "exo: bad initramfs: bad cpio magic"
	# the second header (the program's, after exosim/init), whose ino field follows
	# the 6-byte magic; the kernel reads as far as it
	second=$(grep -obUa 070701 "$tmp/good.cpio" | sed -n '2s/:.*//p')
	cp "$tmp/good.cpio" "$a" && patch "$a" $((second + 6)) 0000g000
	check "non-hex digit in the second header" "$a" "exo: bad initramfs: bad hex digit"
	{ entry 'exosim/init' $REG 'bin/\033[31mred'; trailer; } >"$a"
	check "exosim/init names a missing program" "$a" \
		'cannot run bin/\x1b[31mred: not in the initramfs'
	;;
exos)
	good "$linux"
	a=$tmp/a.cpio
	{ cat "$tmp/body.cpio"; entry 'data/last' $REG 'x'; trailer; } >"$a"
	patch "$a" $(($(stat -c %s "$tmp/body.cpio") + 14)) 0000z000
	check "non-hex digit in the last entry" "$a" "exos: bad initramfs: bad hex digit"
	{ cat "$tmp/body.cpio"; entry 'f' $REG 'x'; entry 'f/\033[2Jy' $REG 'y'; trailer; } >"$a"
	check "unplaceable entry, escape sequence in its name" "$a" \
		'exos: bad initramfs: cannot place f/\x1b[2Jy'
	;;
esac
exit $fail
