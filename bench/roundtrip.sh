#!/usr/bin/env bash
# roundtrip.sh BUILD_DIR [N]: a round trip between two exokernel environments (a protected
# control transfer, PCT, and a directed yield), timed in ring 3 by tests/guest/pct_cost.elf
# under exosim, side by side with a Linux pipe ping-pong between two processes on one CPU
# and across two CPUs (bench/native/pipe_pingpong.c, N round trips per batch, median of 20
# batches).  Prints a Markdown table of medians in µs and the exosim/native ratios.
set -euo pipefail

build=${1:?usage: roundtrip.sh BUILD_DIR [N]}
n=${2:-2000}
exosim=$build/exosim
pingpong=$build/bench/pipe_pingpong
prog=$build/tests/guest/pct_cost.elf
[ -x "$pingpong" ] || { echo "roundtrip.sh: $pingpong not found (build first)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_roundtrip.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

host=$("$(dirname "$0")/../scripts/host-type.sh")
echo "## exosim ($host) vs Linux pipe ping-pong"
echo "Host: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
echo

# value KEY FILE: the number after KEY= on the last line of FILE that has it, or empty.
value() {
	sed -n "s/.*\\<$1=\\([0-9.eE+-]*\\).*/\\1/p" "$2" | tail -n 1
}

# native MODE: median ns per round trip of pipe_pingpong MODE, "" if it cannot run there.
native() {
	local st=0
	"$pingpong" "--$1" --rounds "$n" </dev/null >"$tmp/$1" 2>"$tmp/$1.err" || st=$?
	case $st in
	0) value median_ns "$tmp/$1" ;;
	2) sed 's/^/  /' "$tmp/$1.err" >&2 ;; # e.g. --cross-core on one CPU
	*)
		echo "roundtrip.sh: pipe_pingpong --$1 failed (status $st):" >&2
		cat "$tmp/$1.err" >&2
		exit 1
		;;
	esac
}

same=$(native same-core)
cross=$(native cross-core)

pct=
yield=
if [ ! -e "$prog" ]; then
	echo "pct_cost.elf not built"
elif ! { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then
	echo "exosim skipped: no /dev/kvm"
else
	st=0
	"$exosim" "$prog" "$n" </dev/null >"$tmp/exo" 2>&1 || st=$?
	pct=$(value pct_roundtrip_ns_median "$tmp/exo")
	yield=$(value yield_roundtrip_ns_median "$tmp/exo")
	if [ "$st" != 0 ] || [ -z "$pct" ] || [ -z "$yield" ]; then
		echo "exosim $prog $n: exit status $st; its output:"
		sed 's/^/    /' "$tmp/exo"
	fi
fi
echo

# row LABEL NS: one table row; empty NS means the figure is missing.
row() {
	awk -v label="$1" -v x="$2" -v same="$same" -v cross="$cross" 'BEGIN {
		if (x == "") { printf "| %s | n/a | n/a | n/a |\n", label; exit }
		r1 = (same == "" || same == 0) ? "n/a" : sprintf("%.2f", x / same)
		r2 = (cross == "" || cross == 0) ? "n/a" : sprintf("%.2f", x / cross)
		printf "| %s | %.2f | %s | %s |\n", label, x / 1000, r1, r2
	}'
}

echo "| round trip ($n per batch) | median µs | ratio vs Linux one core | ratio vs Linux two cores |"
echo "|---|---|---|---|"
row "PCT round trip (exosim)" "$pct"
row "directed-yield round trip (exosim)" "$yield"
row "Linux pipe ping-pong, one core" "$same"
row "Linux pipe ping-pong, two cores" "$cross"
echo
echo "Ratios are row/column (exosim/native for the exosim rows)."
