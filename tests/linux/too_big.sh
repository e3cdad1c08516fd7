#!/usr/bin/env bash
# too_big.sh EXOSIM KERNEL PROGRAM: PROGRAM does not fit in the memory ExOS gives a
# program.  exosim must exit 126 (EXOSIM_EXIT_NOMEM) with exactly one line on stderr
# saying so, and nothing on stdout.  Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm).
set -u
exosim=$1 kernel=$2 prog=$3
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing or not accessible"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/too_big.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
timeout 60 "$exosim" --kernel "$kernel" "$prog" </dev/null >"$tmp/out" 2>"$tmp/err"
st=$?
err=$(cat "$tmp/err")
echo "status $st, stderr: $err"
[ "$st" = 126 ] || { echo "FAIL: status $st, expected 126"; exit 1; }
[ "$(wc -l <"$tmp/err")" = 1 ] || { echo "FAIL: expected one line on stderr"; exit 1; }
case $err in
*"does not fit in memory"*) ;;
*) echo "FAIL: the line does not say the program does not fit in memory"; exit 1 ;;
esac
[ ! -s "$tmp/out" ] || { echo "FAIL: the program printed '$(cat "$tmp/out")'"; exit 1; }
echo PASS
