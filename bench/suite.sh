#!/usr/bin/env bash
# suite.sh [--quick] [--build DIR] [--out DIR]: exosim against native Linux, side by side,
# in one run (`./build.sh bench` builds first and calls this).  The suite follows the
# exokernel papers' tables; docs/benchmarks.md explains each benchmark and holds the
# latest results.
#
# Every benchmark program is a static musl binary (bench/progs/exobench.c, hello.c) run
# once natively and once under exosim, which runs it under ExOS; getpid also runs under
# `exosim --no-rewrite`.  The exokernel-only rows use the ExOS-native pct_cost.elf (PCT
# and directed yield) and exobench's `kcall` (the kernel's gate, from the same binary).
# Each program does a warm-up run and then N runs, and reports the median, min and max
# per operation.  For exosim it adds VM exits per operation (from `exosim --stats`, less
# the exits of a run that does nothing) and kernel crossings and upcalls per operation
# (the kernel's counters, read by the program around its timed code).
#
# Output: a Markdown table on stdout (also OUT/results.md), OUT/results.csv, and
# OUT/ratios.png (gnuplot: exosim/native per benchmark, log scale).  A benchmark that
# fails is reported as FAILED with its reason, and the others still run.
# Exit status: 0 all ran; 1 some benchmark failed; 2 bad usage or nothing to run.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=build
out=
quick=0
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1 ;;
	--build) build=${2:?--build needs a directory}; shift ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	*) echo "usage: bench/suite.sh [--quick] [--build DIR] [--out DIR]" >&2; exit 2 ;;
	esac
	shift
done
out=${out:-$build/bench-results}
exosim=$build/exosim
exobench=$build/bench/exobench
hello=$build/bench/hello
hello_exos=$build/apps/hello.elf
pct_cost=$build/tests/guest/pct_cost.elf
for f in "$exobench" "$hello"; do
	[ -x "$f" ] || { echo "suite.sh: $f not built (./build.sh bench builds it)" >&2; exit 2; }
done

if [ "$quick" = 1 ]; then
	runs=5 target_ms=5 boot_runs=5 pct_rounds=400
else
	runs=21 target_ms=40 boot_runs=21 pct_rounds=4000
fi
have_kvm=0
[ -r /dev/kvm ] && [ -w /dev/kvm ] && [ -x "$exosim" ] && have_kvm=1

mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/exosim_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
csv=$out/results.csv
echo "bench,mode,status,median_ns,min_ns,max_ns,runs,ops_per_run,vm_exits_per_op,kernel_crossings_per_op,upcalls_per_op,note" >"$csv"
failures=0
started=$(date +%s)

# stat KEY FILE: the number after `KEY=` in exosim's --stats lines of FILE.
stat() {
	sed -n "s/^exosim-stats: .*\\<$1=\\([0-9.]*\\).*/\\1/p" "$2" | tail -n 1
}

# why FILE: one line saying why a run failed (the last line on its stderr).
why() {
	grep -v '^exosim-stats:' "$1" | tail -n 1 | sed 's/^exobench: //' | tr ',' ';' | cut -c1-160
}

# record BENCH MODE STATUS MEDIAN MIN MAX RUNS OPS EXITS CROSSINGS UPCALLS NOTE
record() {
	local IFS=,
	echo "$*" >>"$csv"
	[ "$3" = ok ] || [ "$3" = n/a ] || failures=$((failures + 1))
}

# record_without_figures BENCH MODE STATUS NOTE: a run that failed or does not exist.
record_without_figures() {
	record "$1" "$2" "$3" "" "" "" "" "" "" "" "" "$4"
}

# exits_of MODE: VM exits of an exobench run that does nothing, under MODE (cached).
declare -A base_exits
exits_of() {
	local mode=$1 flags=()
	[ "$mode" = exosim-norewrite ] && flags=(--no-rewrite)
	if [ -z "${base_exits[$mode]:-}" ]; then
		"$exosim" --stats --timeout 60 "${flags[@]}" "$exobench" none >/dev/null 2>"$tmp/none.err" </dev/null
		base_exits[$mode]=$(stat exits_total "$tmp/none.err")
	fi
	echo "${base_exits[$mode]:-0}"
}

# exobench_run BENCH MODE: one exobench run natively or under exosim, recorded.
exobench_run() {
	local bench=$1 mode=$2 cmd=() st=0
	case $mode in
	native) cmd=("$exobench") ;;
	exosim) cmd=("$exosim" --stats --timeout 300 "$exobench") ;;
	exosim-norewrite) cmd=("$exosim" --stats --timeout 300 --no-rewrite "$exobench") ;;
	esac
	"${cmd[@]}" --runs "$runs" --target-ms "$target_ms" "$bench" </dev/null >"$tmp/o" 2>"$tmp/e" || st=$?
	local row
	row=$(grep "^$bench," "$tmp/o" | tail -n 1)
	if [ "$st" = 3 ]; then
		record_without_figures "$bench" "$mode" n/a "$(why "$tmp/e")"
		return
	fi
	if [ "$st" != 0 ] || [ -z "$row" ]; then
		record_without_figures "$bench" "$mode" failed "status $st: $(why "$tmp/e")"
		return
	fi
	local median min max ops nruns total crossings upcalls exits=""
	IFS=, read -r _ median min max ops nruns total crossings upcalls <<<"$row"
	if [ "$mode" != native ]; then
		local e base
		e=$(stat exits_total "$tmp/e")
		base=$(exits_of "$mode")
		exits=$(awk -v e="${e:-0}" -v b="$base" -v n="$total" \
			'BEGIN { d = e - b; if (d < 0) d = 0; printf "%.4f", (n > 0 ? d / n : 0) }')
	fi
	record "$bench" "$mode" ok "$median" "$min" "$max" "$nruns" "$ops" "$exits" "$crossings" "$upcalls" ""
}

# boot_run NAME MODE PROG: boot-to-exit of PROG, timed by exobench spawn on the host.
# Natively PROG itself is spawned; under exosim, exosim PROG (a VM boot, the kernel,
# ExOS for a Linux program, the program, the exit).  Exits and crossings per boot come
# from one more run with --stats.
boot_run() {
	local name=$1 mode=$2 prog=$3 cmd=() st=0
	if [ "$mode" = native ]; then cmd=("$prog"); else cmd=("$exosim" "$prog"); fi
	"$exobench" --runs "$boot_runs" spawn "$name" "${cmd[@]}" </dev/null >"$tmp/o" 2>"$tmp/e" || st=$?
	local row
	row=$(grep "^$name," "$tmp/o" | tail -n 1)
	if [ "$st" != 0 ] || [ -z "$row" ]; then
		record_without_figures "$name" "$mode" failed "status $st: $(why "$tmp/e")"
		return
	fi
	local median min max ops nruns exits="" crossings="" upcalls=""
	IFS=, read -r _ median min max ops nruns _ <<<"$row"
	if [ "$mode" != native ]; then
		"$exosim" --stats "$prog" </dev/null >/dev/null 2>"$tmp/s" || true
		exits=$(stat exits_total "$tmp/s")
		crossings=$(stat kernel_crossings "$tmp/s")
		upcalls=$(stat upcalls "$tmp/s")
	fi
	record "$name" "$mode" ok "$median" "$min" "$max" "$nruns" "$ops" "$exits" "$crossings" "$upcalls" ""
}

# pct_run: PCT and directed-yield round trips between two ExOS-native environments.
pct_run() {
	local st=0
	if [ ! -e "$pct_cost" ]; then
		record_without_figures pct exosim failed "$pct_cost not built"
		record_without_figures yield exosim failed "$pct_cost not built"
		return
	fi
	"$exosim" --stats --timeout 300 "$pct_cost" "$pct_rounds" </dev/null >"$tmp/o" 2>"$tmp/e" || st=$?
	local base e exits kind
	"$exosim" --stats "$hello_exos" </dev/null >/dev/null 2>"$tmp/s" || true
	base=$(stat exits_total "$tmp/s")
	e=$(stat exits_total "$tmp/e")
	# the run's exits beyond a boot of hello.elf, over all its round trips (both kinds)
	exits=$(awk -v e="${e:-0}" -v b="${base:-0}" -v n="$pct_rounds" \
		'BEGIN { d = e - b; if (d < 0) d = 0; printf "%.4f", d / (2 * n) }')
	for kind in pct yield; do
		local v=()
		for k in median min max; do
			v+=("$(sed -n "s/^${kind}_roundtrip_ns_$k=//p" "$tmp/o")")
		done
		local c
		c=$(sed -n "s/^${kind}_crossings_per_roundtrip=//p" "$tmp/o")
		if [ "$st" != 0 ] || [ -z "${v[0]}" ]; then
			record_without_figures "$kind" exosim failed "status $st: $(why "$tmp/e")"
		else
			record "$kind" exosim ok "${v[0]}" "${v[1]}" "${v[2]}" 20 $((pct_rounds / 20)) "$exits" "$c" "" ""
		fi
	done
}

# --- the runs
progress() { printf '%s\n' "suite.sh: $*" >&2; }
benches=${BENCH_ONLY:-"nullproc getpid kcall segv prot1 prot100 unprot100 trap appel1 appel2 pipe pipe1 matmul"}
for b in $benches; do
	progress "$b"
	exobench_run "$b" native
	if [ "$have_kvm" = 1 ]; then
		exobench_run "$b" exosim
		[ "$b" = getpid ] && exobench_run getpid exosim-norewrite
	fi
done
progress "pct, yield"
[ "$have_kvm" = 1 ] && pct_run
progress "boot"
boot_run boot native "$hello"
if [ "$have_kvm" = 1 ]; then
	boot_run boot exosim "$hello"
	if [ -e "$hello_exos" ]; then
		boot_run boot_exos exosim "$hello_exos"
	else
		record_without_figures boot_exos exosim failed "$hello_exos not built"
	fi
fi
elapsed=$(($(date +%s) - started))

# --- the table: one row per comparison (label, exosim side, native side)
rows="nullproc|null procedure call (control)|exosim:nullproc|native:nullproc
getpid|getpid: ExOS, syscall rewritten|exosim:getpid|native:getpid
getpid_trap|getpid: ExOS, --no-rewrite (trapped)|exosim-norewrite:getpid|native:getpid
kcall|exokernel null call (ExOS only; vs Linux getpid)|exosim:kcall|native:getpid
segv|SIGSEGV handler round trip|exosim:segv|native:segv
prot1|Appel-Li prot1|exosim:prot1|native:prot1
prot100|Appel-Li prot100|exosim:prot100|native:prot100
unprot100|Appel-Li unprot100|exosim:unprot100|native:unprot100
trap|Appel-Li trap|exosim:trap|native:trap
appel1|Appel-Li appel1|exosim:appel1|native:appel1
appel2|Appel-Li appel2 (per page)|exosim:appel2|native:appel2
pipe|pipe ping-pong, two processes|exosim:pipe|native:pipe
pipe1|pipe write+read, one process|exosim:pipe1|native:pipe1
pct|PCT round trip (ExOS only; vs Linux pipe ping-pong)|exosim:pct|native:pipe
yield|directed-yield round trip (ExOS only; vs pipe ping-pong)|exosim:yield|native:pipe
matmul|300x300 matrix multiply|exosim:matmul|native:matmul
boot|boot-to-exit: static hello (exosim: VM + kernel + ExOS)|exosim:boot|native:boot
boot_exos|boot-to-exit: ExOS-native hello.elf (vs native static hello)|exosim:boot_exos|native:boot"

host=$("$here/../scripts/host-type.sh")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
awk -F, -v rows="$rows" -v host="$host" -v kernel="$(uname -r)" -v cpu="$cpu" \
	-v ncpu="$(nproc)" -v runs="$runs" -v quick="$quick" -v elapsed="$elapsed" \
	-v kvm="$have_kvm" -v plotdata="$tmp/plot.dat" '
function t(ns) { # a time with its unit
	if (ns == "") return "-"
	if (ns >= 1e6) return sprintf("%.2f ms", ns / 1e6)
	if (ns >= 1e3) return sprintf("%.2f µs", ns / 1e3)
	return sprintf("%.1f ns", ns)
}
function ok(k) { return (k in status) && status[k] == "ok" }
function cell(k) {
	if (!(k in status)) return "not run"
	if (status[k] == "n/a") return "n/a (" note[k] ")"
	if (status[k] != "ok") return "**FAILED**: " note[k]
	return t(med[k]) " (" t(lo[k]) " – " t(hi[k]) ")"
}
function num(k, field) { return ok(k) && field != "" ? field : "-" }
NR > 1 {
	k = $2 ":" $1
	status[k] = $3; med[k] = $4; lo[k] = $5; hi[k] = $6
	exits[k] = $9; cross[k] = $10; up[k] = $11; note[k] = $12
}
END {
	printf "## exosim vs native Linux (%s)\n\n", host
	printf "Host: %s, Linux %s, %d CPUs. %s run: %s runs per benchmark after a warm-up; %d s in all.\n", \
		cpu, kernel, ncpu, quick ? "A --quick" : "A full", runs, elapsed
	if (!kvm) printf "No usable /dev/kvm or no exosim: native figures only.\n"
	printf "Times are per operation: median (min – max) over the runs.\n\n"
	printf "| benchmark | native | exosim | exosim/native | VM exits/op | crossings/op | upcalls/op |\n"
	printf "|---|---|---|---|---|---|---|\n"
	n = split(rows, r, "\n")
	for (i = 1; i <= n; i++) {
		split(r[i], f, "|")
		e = f[3]; nk = f[4]
		ratio = "-"
		if (ok(e) && ok(nk) && med[nk] > 0) {
			ratio = sprintf(med[e] / med[nk] >= 10 ? "%.0f×" : "%.2f×", med[e] / med[nk])
			printf "%s %g\n", f[1], med[e] / med[nk] > plotdata
		}
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", f[2], cell(nk), cell(e), ratio, \
			num(e, ok(e) ? exits[e] : ""), num(e, ok(e) ? cross[e] : ""), num(e, ok(e) ? up[e] : "")
	}
	for (k in status) # every failure, including runs no row shows
		if (status[k] == "failed")
			failed[++nfailed] = sprintf("- %s: %s", k, note[k])
	if (nfailed) {
		printf "\nFailed runs:\n"
		for (i = 1; i <= nfailed; i++)
			print failed[i]
	}
}' "$csv" | tee "$out/results.md"

# --- the plot
plot=$out/ratios.png
rm -f "$plot"
if command -v gnuplot >/dev/null 2>&1 && [ -s "$tmp/plot.dat" ]; then
	gnuplot <<EOF >"$tmp/gnuplot.err" 2>&1 || echo "suite.sh: gnuplot failed: $(head -1 "$tmp/gnuplot.err")" >&2
set terminal pngcairo size 1000,560 font "sans,10" background "white"
set output "$plot"
set title "exosim / native Linux, median time per operation ($host)"
set logscale y 10
set ylabel "ratio (log scale; 1 = as fast as native)"
set style fill solid 0.8 border -1
set boxwidth 0.7
set xtics rotate by 45 right noenhanced nomirror
set bmargin 6
set grid ytics
set yrange [0.1:50000]
unset key
plot "$tmp/plot.dat" using 0:2:xtic(1) with boxes lc rgb "#4a7ab8", \
     "" using 0:2:(sprintf(\$2 >= 10 ? "%.0f" : "%.2f", \$2)) with labels offset 0,0.7 font ",9", \
     1 with lines lc rgb "#c03030" lw 2
EOF
fi
echo
if [ -s "$plot" ]; then
	echo "Files: $csv, $out/results.md, $plot"
else
	echo "Files: $csv, $out/results.md (no plot: gnuplot missing or failed, or no ratios)"
fi
[ "$failures" = 0 ] || { echo "suite.sh: $failures benchmark run(s) failed; see the table" >&2; exit 1; }
exit 0
