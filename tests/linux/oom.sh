#!/usr/bin/env bash
# oom.sh EXOSIM KERNEL PROGRAM: PROGRAM (progs/oom.c) touches more memory than a
# 64 MiB VM has.  ExOS must end it as Linux's OOM killer would: status 137 (SIGKILL),
# exactly one line on stderr saying memory ran out, and the program's own output
# before that on stdout.  Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm).
set -u
exosim=$1 kernel=$2 prog=$3
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing or not accessible"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/oom.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
timeout 100 "$exosim" --mem 64M --kernel "$kernel" "$prog" </dev/null >"$tmp/out" 2>"$tmp/err"
st=$?
err=$(cat "$tmp/err")
echo "status $st, stdout: $(cat "$tmp/out"), stderr: $err"
[ "$st" = 137 ] || { echo "FAIL: status $st, expected 137 (killed for lack of memory)"; exit 1; }
[ "$(wc -l <"$tmp/err")" = 1 ] || { echo "FAIL: expected one line on stderr"; exit 1; }
case $err in
*"out of memory"*) ;;
*) echo "FAIL: the line does not say memory ran out"; exit 1 ;;
esac
[ "$(cat "$tmp/out")" = "oom: touching 512 MiB, 1 MiB at a time" ] ||
	{ echo "FAIL: stdout is not the program's first line alone"; exit 1; }
echo PASS
