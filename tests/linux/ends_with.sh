#!/usr/bin/env bash
# ends_with.sh STATUS TEXT STDOUT -- EXOSIM ARGS...: exosim, run with ARGS, must exit
# with STATUS, print exactly one line on stderr that contains TEXT, and print exactly
# STDOUT (empty: nothing) on stdout.  For the failures ExOS reports itself (a program
# too big to load, one killed for lack of memory), which have no native twin.
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm).
set -u
want_status=$1 want_text=$2 want_out=$3
shift 4 # the three above and --
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing or not accessible"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ends_with.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
timeout 100 "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
st=$?
err=$(cat "$tmp/err")
echo "status $st, stdout: $(cat "$tmp/out"), stderr: $err"
[ "$st" = "$want_status" ] || { echo "FAIL: status $st, expected $want_status"; exit 1; }
[ "$(wc -l <"$tmp/err")" = 1 ] || { echo "FAIL: expected one line on stderr"; exit 1; }
case $err in
*"$want_text"*) ;;
*) echo "FAIL: the line does not say '$want_text'"; exit 1 ;;
esac
[ "$(cat "$tmp/out")" = "$want_out" ] ||
	{ echo "FAIL: stdout is not '$want_out'"; exit 1; }
echo PASS
