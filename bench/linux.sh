#!/usr/bin/env bash
# linux.sh BUILD_DIR [BATCHES] [--csv]: what ExOS's Linux emulation costs.  Runs
# bench/progs/linux_syscalls.c (an unmodified static Linux program, musl-gcc -static,
# built as BUILD_DIR/bench/linux_syscalls) natively, under exosim (syscall rewriting on,
# the default) and under `exosim --no-rewrite` (every Linux system call traps), in one
# run.  Prints a Markdown table of median ns per operation and the ratios to native,
# exosim's VM exits per run (--stats), then the same medians as CSV lines
# `bench,mode,ns_per_op` (modes: native, exosim, exosim-norewrite).  With --csv, only
# the CSV lines.  BATCHES (default 11) goes to linux_syscalls.
set -euo pipefail

csv_only=0
args=()
for a in "$@"; do
	case "$a" in
	--csv) csv_only=1 ;;
	*) args+=("$a") ;;
	esac
done
set -- ${args[@]+"${args[@]}"}
build=${1:?usage: linux.sh BUILD_DIR [BATCHES] [--csv]}
batches=${2:-11}
exosim=$build/exosim
kernel=$build/kernel.elf
prog=$build/bench/linux_syscalls
if [ ! -x "$prog" ]; then
	echo "linux.sh: $prog not found: build first (it needs musl-gcc: ./build.sh setup)" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_linux.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# run MODE CMD...: runs CMD, keeps its CSV rows (bench,median_ns,...) as $tmp/MODE.csv
# and its stderr as $tmp/MODE.err; a failed run leaves no CSV (reported, not fatal).
run() {
	local mode=$1
	shift
	local st=0
	"$@" "$prog" "$batches" </dev/null >"$tmp/$mode.out" 2>"$tmp/$mode.err" || st=$?
	if [ "$st" != 0 ] || ! grep -q '^bench,median_ns' "$tmp/$mode.out"; then
		echo "$st" >"$tmp/$mode.failed"
		echo "linux.sh: $mode run failed (status $st):" >&2
		head -5 "$tmp/$mode.out" "$tmp/$mode.err" >&2
		return 0
	fi
	grep -v -e '^#' -e '^bench,' "$tmp/$mode.out" >"$tmp/$mode.csv"
}

run native
have_kvm=0
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ -x "$exosim" ]; then
	have_kvm=1
	run exosim "$exosim" --kernel "$kernel" --stats --timeout 300
	run exosim-norewrite "$exosim" --kernel "$kernel" --stats --timeout 300 --no-rewrite
fi

# median MODE BENCH: the median ns of BENCH in MODE's run, or empty.
median() {
	[ -s "$tmp/$1.csv" ] || return 0
	awk -F, -v b="$2" '$1 == b { print $2 }' "$tmp/$1.csv"
}
ratio() {
	if [ -n "$1" ] && [ -n "$2" ]; then
		awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'
	else
		echo "-"
	fi
}

benches=$(cut -d, -f1 "$tmp/native.csv" 2>/dev/null || true)
if [ "$csv_only" = 0 ]; then
	host=$("$(dirname "$0")/../scripts/host-type.sh")
	echo "## Linux system calls: native vs ExOS under exosim ($host)"
	echo "Host: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
	grep -h '^# tsc_mhz' "$tmp"/*.out 2>/dev/null | head -1 | sed 's/^# /TSC: /'
	[ "$have_kvm" = 1 ] || echo "(no /dev/kvm or no exosim: native figures only)"
	echo
	echo "| operation | native ns | exosim ns | exosim/native | --no-rewrite ns | --no-rewrite/native |"
	echo "|---|---|---|---|---|---|"
	for b in $benches; do
		n=$(median native "$b")
		e=$(median exosim "$b")
		t=$(median exosim-norewrite "$b")
		echo "| $b | ${n:--} | ${e:--} | $(ratio "$e" "$n") | ${t:--} | $(ratio "$t" "$n") |"
	done
	for mode in exosim exosim-norewrite; do
		[ -s "$tmp/$mode.err" ] || continue
		ex=$(sed -n 's/^exosim-stats: .*exits_total=\([0-9]*\).*/\1/p' "$tmp/$mode.err" | head -1)
		reasons=$(sed -n 's/^exosim-stats: exits_by_reason //p' "$tmp/$mode.err" | head -1)
		other=$({ grep -v '^exosim-stats:' "$tmp/$mode.err" || true; } | head -3 | tr '\n' ' ')
		echo
		failed=""
		[ -e "$tmp/$mode.failed" ] && failed=" (the run FAILED, status $(cat "$tmp/$mode.failed"))"
		echo "$mode: VM exits for the whole run: ${ex:-?} (${reasons:-no --stats output})$failed${other:+; stderr: $other}"
	done
	echo
	echo "csv:"
fi
for mode in native exosim exosim-norewrite; do
	[ -s "$tmp/$mode.csv" ] || continue
	awk -F, -v m="$mode" '{ print $1 "," m "," $2 }' "$tmp/$mode.csv"
done
