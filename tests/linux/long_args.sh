#!/usr/bin/env bash
# long_args.sh MODE EXOSIM KERNEL LINUX_ARGSUM NATIVE_ARGSUM: a long command line and a
# large environment must arrive whole, up to Linux's own limits (include/hw/initramfs.h),
# or be refused with one line.  The reference is the musl argsum run natively: one line
# with the counts, bytes and a hash of every string (tests/linux/progs/argsum.c).
#   linux-exosim|linux-qemu  the musl argsum with 5000 arguments (one of 131071 bytes,
#       Linux's longest string) and a 960 KiB environment, ~1.6 MiB in all
#   exo-exosim|exo-qemu  the ExOS-native argsum with the same arguments (a native program
#       gets no environment), against the musl one run natively under env -i
#   too-long  2.2 MiB of arguments: exosim exits 120 (EXOSIM_EXIT_USAGE) with one line
#       on stderr and runs nothing, as Linux's execve fails with E2BIG (the test raises
#       its own stack limit so that the host can pass exosim that many)
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm, no QEMU).
set -u
mode=$1 exosim=$2 kernel=$3 linux_prog=$4 exo_prog=$5
here=$(dirname "$0")

fail() {
	echo "FAIL: $*"
	exit 1
}
need_kvm() {
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then echo "SKIP: no usable /dev/kvm"; exit 77; fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/long_args.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# fill N CHAR: N copies of CHAR (bash's ${x// /c} is quadratic on long strings).
fill() {
	head -c "$1" /dev/zero | tr '\0' "$2"
}

# 5000 arguments of 12 to 165 bytes, then the longest string Linux takes.
reps=()
for d in 0 1 2 3 4 5 6 7 8 9; do
	reps+=("$(fill 150 $d)")
done
args=()
for ((i = 1; i <= 5000; i++)); do
	args+=("argument-$i-${reps[i % 10]:0:i % 150}")
done
args+=("$(fill 131071 L)")
envs=()
for i in 1 2 3 4 5 6 7 8; do
	envs+=("BIG$i=$(fill 120000 $i)")
done
envs+=(A=1 "EMPTY=")

# vm_run VM PROG [env...]: runs PROG "${args[@]}" under exosim or QEMU with exactly the
# environment given; stdout to $tmp/out, stderr to $tmp/err, the guest's status in $st.
vm_run() {
	local vm=$1 prog=$2
	shift 2
	if [ "$vm" = exosim ]; then
		need_kvm
		env -i "$@" timeout -s KILL 60 "$exosim" --kernel "$kernel" "$prog" "${args[@]}" \
			</dev/null >"$tmp/out" 2>"$tmp/err"
		st=$?
	else
		command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: no QEMU"; exit 77; }
		env -i "$@" "$exosim" --kernel "$kernel" --pack "$tmp/boot.cpio" "$prog" "${args[@]}" \
			>"$tmp/pack.out" 2>&1 || fail "exosim --pack: $(head -c 300 "$tmp/pack.out")"
		timeout -s KILL 60 "$here/../../scripts/qemu-boot.sh" "$kernel" "$tmp/boot.cpio" \
			"$tmp/err" </dev/null >"$tmp/out"
		st=$(($? >> 1))
	fi
}

compare() {
	echo "native:  $(cat "$tmp/want")"
	echo "$1: $(cat "$tmp/out") (status $st)"
	[ "$st" = 0 ] || fail "status $st; stderr: $(head -c 500 "$tmp/err")"
	cmp -s "$tmp/want" "$tmp/out" || fail "the output differs"
	echo PASS
}

case "$mode" in
linux-exosim | linux-qemu)
	env -i "${envs[@]}" "$linux_prog" "${args[@]}" >"$tmp/want" || fail "the native run failed"
	vm_run "${mode#linux-}" "$linux_prog" "${envs[@]}"
	compare "${mode#linux-}"
	;;
exo-exosim | exo-qemu)
	env -i "$linux_prog" "${args[@]}" >"$tmp/want" || fail "the native run failed"
	vm_run "${mode#exo-}" "$exo_prog"
	compare "${mode#exo-}"
	;;
too-long)
	need_kvm
	ulimit -s 65536 2>/dev/null || ulimit -s unlimited 2>/dev/null ||
		{ echo "SKIP: cannot raise the stack limit to pass 2.2 MiB of arguments"; exit 77; }
	chunk=$(fill 100000 x)
	args=()
	for ((i = 0; i < 22; i++)); do args+=("$chunk"); done
	vm_run exosim "$exo_prog"
	echo "status $st, stderr: $(cat "$tmp/err")"
	[ "$st" = 120 ] || fail "status $st, expected 120"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "expected one line on stderr"
	grep -q "argument list too long" "$tmp/err" || fail "the line does not say why"
	[ ! -s "$tmp/out" ] || fail "the program ran"
	echo PASS
	;;
*)
	echo "long_args.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
