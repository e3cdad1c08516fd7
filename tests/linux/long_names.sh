#!/usr/bin/env bash
# long_names.sh MODE EXOSIM KERNEL ARGS_ENV LINUX_ARGSUM NATIVE_ARGSUM: program file names
# of 252 to 255 bytes (NAME_MAX) run, a Linux program and a native one, and longer
# names are refused on the host with one line.  (Names of 252-255 bytes used to panic
# the kernel, or be "not in the initramfs" for ExOS.)
#   exosim|qemu  ARGS_ENV (musl; it prints argv[0], so the name must arrive whole) under
#                names of 252 and 255 bytes against itself run natively under the same
#                name, and NATIVE_ARGSUM (ExOS-native) under those names against
#                LINUX_ARGSUM run natively
#   refuse       a 256-byte program name, and a 256-byte name in an --add path: status
#                120 (EXOSIM_EXIT_USAGE), one line on stderr, nothing run
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm, no QEMU).
set -u
mode=$1 exosim=$2 kernel=$3 args_env=$4 linux_argsum=$5 exo_argsum=$6
here=$(dirname "$0")

fail() {
	echo "FAIL: $*"
	exit 1
}
if [ "$mode" = qemu ]; then
	command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: no QEMU"; exit 77; }
else
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then echo "SKIP: no usable /dev/kvm"; exit 77; fi
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/long_names.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
name() { # N CHAR: a name of N copies of CHAR
	head -c "$1" /dev/zero | tr '\0' "$2"
}

# run ARGS...: exosim ARGS (or --pack and QEMU) with the environment A=1 only; stdout
# to $tmp/out, stderr to $tmp/err, the guest's status in $st.
run() {
	if [ "$mode" = qemu ]; then
		env -i A=1 "$exosim" --kernel "$kernel" --pack "$tmp/boot.cpio" "$@" \
			>"$tmp/out" 2>"$tmp/err" || fail "exosim --pack: $(cat "$tmp/err")"
		timeout -s KILL 30 "$here/../../scripts/qemu-boot.sh" "$kernel" "$tmp/boot.cpio" \
			"$tmp/err" </dev/null >"$tmp/out"
		st=$(($? >> 1))
	else
		env -i A=1 timeout -s KILL 30 "$exosim" --kernel "$kernel" "$@" </dev/null \
			>"$tmp/out" 2>"$tmp/err"
		st=$?
	fi
}

check() { # WHAT: $tmp/out must equal $tmp/want, with status 0
	[ "$st" = 0 ] || fail "$1: status $st; stderr: $(head -c 400 "$tmp/err")"
	cmp -s "$tmp/want" "$tmp/out" || fail "$1: the output differs: $(head -c 400 "$tmp/out")"
	echo "ok: $1"
}

refused() { # WHAT: status 120, one line on stderr that contains "longer than"
	[ "$st" = 120 ] || fail "$1: status $st, expected 120"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "$1: expected one line on stderr: $(cat "$tmp/err")"
	grep -q "longer than 255 bytes" "$tmp/err" || fail "$1: the line does not say why"
	[ ! -s "$tmp/out" ] || fail "$1: something ran"
	echo "ok: $1: $(cat "$tmp/err")"
}

case "$mode" in
exosim | qemu)
	for n in 252 255; do
		lp=$tmp/$(name "$n" l) np=$tmp/$(name "$n" n)
		{ cp "$args_env" "$lp" && cp "$exo_argsum" "$np"; } || fail "cannot copy the programs"
		env -i A=1 "$lp" one "two words" >"$tmp/want" || fail "the native run failed"
		run "$lp" one "two words"
		check "a Linux program named with $n bytes"
		env -i "$linux_argsum" one "two words" >"$tmp/want" || fail "the native run failed"
		run "$np" one "two words"
		check "a native program named with $n bytes"
		rm -f "$lp" "$np"
	done
	;;
refuse)
	run "$tmp/$(name 256 x)" one
	refused "a program named with 256 bytes"
	run --add "$args_env:dir/$(name 256 y)" "$args_env"
	refused "an --add path with a 256-byte name"
	;;
*)
	echo "long_names.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
echo PASS
