#!/usr/bin/env bash
# fastpath.sh EXOSIM KERNEL MIN_DIRECT MIN_REWRITTEN [--add SPEC] -- PROGRAM ARGS...
# The fast path must not silently disappear: run PROGRAM under exosim with
# --trace-syscalls and require, from ExOS's summary line
#   [exos] exit N: T calls trapped, D direct; S sites trapped, R rewritten
# at least MIN_DIRECT calls served directly and MIN_REWRITTEN sites rewritten.  With
# --no-rewrite the same run must give the same stdout and status with no direct call and
# no site rewritten.
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm).
set -u
exosim=$1 kernel=$2 min_direct=$3 min_rewritten=$4
shift 4
add=()
while [ "$1" != -- ]; do add+=("$1"); shift; done
shift
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing or not accessible"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fastpath.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# run NAME OPTIONS...: sets st, and trapped direct sites rewritten from the summary
run() {
	local name=$1
	shift
	timeout 120 "$exosim" --kernel "$kernel" --trace-syscalls "$@" "${add[@]}" -- "$prog" \
		"${args[@]}" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err"
	st=$?
	local line
	line=$(grep -E '^\[exos\] exit [0-9]+: ' "$tmp/$name.err" | tail -n 1)
	echo "$name: status $st; ${line:-no summary line}"
	grep -E '^\[exos\] site ' "$tmp/$name.err" | head -n 20
	[[ $line =~ :\ ([0-9]+)\ calls\ trapped,\ ([0-9]+)\ direct\;\ ([0-9]+)\ sites\ trapped,\ ([0-9]+)\ rewritten$ ]] ||
		{ echo "FAIL: no summary line from ExOS"; exit 1; }
	trapped=${BASH_REMATCH[1]} direct=${BASH_REMATCH[2]}
	sites=${BASH_REMATCH[3]} rewritten=${BASH_REMATCH[4]}
}
prog=$1
shift
args=("$@")

run rewrite
st_rewrite=$st
[ "$direct" -ge "$min_direct" ] || { echo "FAIL: $direct calls direct, expected >= $min_direct"; exit 1; }
[ "$rewritten" -ge "$min_rewritten" ] ||
	{ echo "FAIL: $rewritten sites rewritten, expected >= $min_rewritten"; exit 1; }
[ "$rewritten" -le "$sites" ] || { echo "FAIL: more sites rewritten than seen"; exit 1; }
echo "fast path: $rewritten of $sites sites, $direct of $((direct + trapped)) calls"

run norewrite --no-rewrite
[ "$st" = "$st_rewrite" ] || { echo "FAIL: status $st with --no-rewrite, $st_rewrite without"; exit 1; }
[ "$direct" = 0 ] && [ "$rewritten" = 0 ] ||
	{ echo "FAIL: --no-rewrite still took the fast path"; exit 1; }
cmp -s "$tmp/rewrite.out" "$tmp/norewrite.out" ||
	{ echo "FAIL: stdout differs with --no-rewrite"; diff "$tmp/rewrite.out" "$tmp/norewrite.out" | head; exit 1; }
echo PASS
