#!/usr/bin/env bash
# fork_hot.sh EXOSIM KERNEL PROGRAM: a fork's child copies at once the pages the
# last child of the same parent wrote first (libos/linux/fork.c), instead of taking
# a copy-on-write fault for each.  Runs PROGRAM (tests/linux's cow: it forks again
# after its first child has exited, and checks each process sees only its own
# values) with --trace-syscalls and requires its verdicts, status 0, and a fork
# line of ExOS's with "N copied at once", N >= 1.
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm).
set -u
exosim=$1 kernel=$2 prog=$3
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing or not accessible"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fork_hot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
timeout 150 "$exosim" --kernel "$kernel" --trace-syscalls "$prog" </dev/null >"$tmp/out" 2>"$tmp/err"
st=$?
grep -E '^\[exos\] fork: ' "$tmp/err"
fail=0
[ "$st" = 0 ] || { echo "FAIL: status $st"; tail -n 3 "$tmp/err"; fail=1; }
if grep -q 'NO' "$tmp/out"; then
	echo "FAIL: a process saw another's memory:"
	grep 'NO' "$tmp/out"
	fail=1
fi
if ! grep -qE '^\[exos\] fork: .*, [1-9][0-9]* copied at once\)' "$tmp/err"; then
	echo "FAIL: no fork copied its child's first pages at once"
	fail=1
fi
[ "$fail" = 0 ] && echo "PASS"
exit "$fail"
