#!/usr/bin/env bash
# profile.sh BUILD PROGRAM [ARGS...]: where the ring-0 instructions of `exosim PROGRAM
# ARGS...` go, per kernel function, counted under QEMU TCG by bench/insn_count.so (exact
# and host-independent, as bench/suite.sh's instruction columns).  For exobench (a
# program with timed_begin and timed_end) only the timed windows count, and each figure
# is also divided by the operations the run reports (ops_total), e.g.
#   bench/profile.sh build build/bench/exobench --runs 1 --target-ms 1 prot100
# Prints "instructions  per-op  function", largest first, then the total.
set -euo pipefail
build=${1:?usage: bench/profile.sh BUILD PROGRAM [ARGS...]}
shift
prog=${1:?usage: bench/profile.sh BUILD PROGRAM [ARGS...]}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/exosim_profile.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
begin=$(nm "$prog" 2>/dev/null | awk '$3 == "timed_begin" { print $1 }')
end=$(nm "$prog" 2>/dev/null | awk '$3 == "timed_end" { print $1 }')
opts="-icount shift=0 -plugin $build/bench/insn_count.so,out=$tmp/count,profile=$tmp/prof"
[ -n "$begin" ] && [ -n "$end" ] && opts="$opts,begin=$begin,end=$end"
"$build/exosim" --pack "$tmp/cpio" "$@" >/dev/null
st=0
EXO_QEMU_OPTS=$opts "$here/../scripts/qemu-boot.sh" "$build/kernel.elf" "$tmp/cpio" \
	"$tmp/err" exosim.tsc_khz=1000000 </dev/null >"$tmp/out" || st=$?
[ "$st" = 1 ] || { echo "profile.sh: the QEMU run failed (status $st): $(tail -n 1 "$tmp/err")" >&2; exit 1; }
ops=1
if [ -n "$begin" ]; then
	ops=$(grep -v '^#' "$tmp/out" | grep -v '^bench,' | tail -n 1 | cut -d, -f7)
	echo "ops: $ops"
fi
nm -n "$build/kernel.elf" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' >"$tmp/syms"
# Each address goes to the last symbol at or below it (both lists sorted numerically).
sort "$tmp/prof" | awk -v ops="$ops" -v syms="$tmp/syms" '
function hex(s,   i, v) { v = 0; s = tolower(s); for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
BEGIN { while ((getline l < syms) > 0) { split(l, f, " "); n++; sa[n] = hex(f[1]); sn[n] = f[2] } }
{ a[NR] = hex($1); c[NR] = $2 }
END {
	# the profile is sorted as strings: all addresses have the same width (kernel half)
	j = 1
	for (i = 1; i <= NR; i++) {
		while (j < n && sa[j + 1] <= a[i]) j++
		by[sn[j]] += c[i]; all += c[i]
	}
	for (s in by) printf "%12d %10.1f  %s\n", by[s], by[s] / ops, s | "sort -rn"
	close("sort -rn")
	printf "%12d %10.1f  total ring 0\n", all, all / ops
}'
