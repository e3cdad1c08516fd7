#!/usr/bin/env bash
# suite.sh [--quick] [--build DIR] [--out DIR]: exosim against native Linux, side by side,
# in one run (`./build.sh bench` builds first and calls this).  The suite follows the
# exokernel papers' tables; docs/benchmarks.md explains each benchmark and holds the
# latest results.
#
# Every benchmark program is a static binary (bench/progs/exobench.c, built with musl and
# with glibc; hello.c; Debian's busybox-static and bash-static) run once natively and
# once under exosim, which runs it under ExOS; getpid also runs under
# `exosim --no-rewrite`.  The exokernel-only rows use the ExOS-native pct_cost.elf (PCT
# and directed yield) and exobench's `kcall` (the kernel's gate, from the same binary).
# Each program does a warm-up run and then N runs, and reports the median, min and max
# per operation.  For exosim it adds VM exits per operation (from `exosim --stats`, less
# the exits of a run that does nothing) and kernel crossings and upcalls per operation
# (the kernel's counters, read by the program around its timed code).
# Each exosim row also gets the instructions per operation, ring 0 and in all, from one
# more run under QEMU TCG (`-icount shift=0`) with the plugin bench/insn_count.so, which
# counts the instructions between exobench's timed_begin and timed_end (for boot rows:
# the whole run).  They do not depend on the host: a reader with a VT-x host, where
# ring-0 code runs natively, can predict their figures from them.
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
exobench_glibc=$build/bench/exobench-glibc
hello_exos=$build/apps/hello.elf
pct_cost=$build/tests/guest/pct_cost.elf
plugin=$build/bench/insn_count.so
kernel=$build/kernel.elf
busybox=${BENCH_BUSYBOX:-/bin/busybox}
bash_static=${BENCH_BASH_STATIC:-/bin/bash-static}
for f in "$exobench" "$hello"; do
	[ -x "$f" ] || { echo "suite.sh: $f not built (./build.sh bench builds it)" >&2; exit 2; }
done

# heavy_runs: the 16 MiB rows, whose every operation maps or unmaps 4096 pages (seconds
# under exosim here); touch_runs: touch keeps each run's region mapped (fresh pages).
if [ "$quick" = 1 ]; then
	runs=5 target_ms=5 boot_runs=5 pct_rounds=400 heavy_runs=3 touch_runs=2
else
	runs=21 target_ms=40 boot_runs=21 pct_rounds=4000 heavy_runs=7 touch_runs=3
fi
have_kvm=0
[ -r /dev/kvm ] && [ -w /dev/kvm ] && [ -x "$exosim" ] && have_kvm=1
have_qemu=0
command -v qemu-system-x86_64 >/dev/null 2>&1 && command -v nm >/dev/null 2>&1 &&
	[ -e "$plugin" ] && [ -e "$kernel" ] && [ -x "$exosim" ] && have_qemu=1

mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/exosim_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
csv=$out/results.csv
echo "bench,mode,status,median_ns,min_ns,max_ns,runs,ops_per_run,vm_exits_per_op,kernel_crossings_per_op,upcalls_per_op,qemu_ring0_insns_per_op,qemu_insns_per_op,note" >"$csv"
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

# record BENCH MODE STATUS MEDIAN MIN MAX RUNS OPS EXITS CROSSINGS UPCALLS RING0 INSNS NOTE
record() {
	local IFS=,
	echo "$*" >>"$csv"
	[ "$3" = ok ] || [ "$3" = n/a ] || failures=$((failures + 1))
}

# record_without_figures BENCH MODE STATUS NOTE: a run that failed or does not exist.
record_without_figures() {
	record "$1" "$2" "$3" "" "" "" "" "" "" "" "" "" "" "$4"
}

# qemu_insns BINARY ARGS...: "RING0 TOTAL" instructions per operation of one run of
# `exosim ARGS...` (which runs BINARY) under QEMU TCG with the plugin insn_count.so; empty if QEMU, nm or the plugin is
# missing or the run failed (the reason goes to stderr).  For exobench (a binary with
# timed_begin and timed_end) the count is over its timed windows, divided by the
# operations it reports (ops_total); for any other program it is the whole boot-to-exit.
qemu_insns() {
	[ "$have_qemu" = 1 ] || return 0
	local prog=$1 begin end st=0
	shift
	begin=$(nm "$prog" 2>/dev/null | awk '$3 == "timed_begin" { print $1 }')
	end=$(nm "$prog" 2>/dev/null | awk '$3 == "timed_end" { print $1 }')
	local opts="-icount shift=0 -plugin $plugin,out=$tmp/q.count"
	[ -n "$begin" ] && [ -n "$end" ] && opts="$opts,begin=$begin,end=$end"
	rm -f "$tmp/q.count"
	"$exosim" --pack "$tmp/q.cpio" "$@" >/dev/null 2>"$tmp/q.err" || st=$?
	# With -icount shift=0 the TSC runs at 1 GHz; saying so, as exosim does with KVM's
	# rate, spares the kernel its calibration loop (about a million instructions of
	# waiting that only QEMU would count in a boot).
	[ "$st" = 0 ] && { EXO_QEMU_OPTS=$opts timeout 600 "$here/../scripts/qemu-boot.sh" \
		"$kernel" "$tmp/q.cpio" "$tmp/q.err" exosim.tsc_khz=1000000 </dev/null >"$tmp/q.out" \
		2>>"$tmp/q.err" || st=$?; }
	# QEMU exits (status << 1) | 1: 1 is the program's 0
	if [ "$st" != 1 ] || [ ! -s "$tmp/q.count" ]; then
		progress "QEMU instruction count of $* failed (status $st): $(tail -n 1 "$tmp/q.err")"
		return 0
	fi
	local ops=1
	if [ -n "$begin" ]; then
		# ops_total: the 7th field of exobench's CSV row
		ops=$(grep -v '^#' "$tmp/q.out" | grep -v '^bench,' | tail -n 1 | cut -d, -f7)
		[ -n "$ops" ] && [ "$ops" -gt 0 ] 2>/dev/null || { progress "QEMU run of $* printed no row"; return 0; }
	fi
	awk -v ops="$ops" -v w="$([ -n "$begin" ] && echo 1 || echo 0)" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		r = w ? v["window_ring0"] : v["ring0"]; t = w ? v["window_total"] : v["total"]
		printf "%.1f %.1f\n", r / ops, t / ops
	}' "$tmp/q.count"
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

# exobench_run BENCH MODE [BINARY LABEL]: one exobench run natively or under exosim,
# recorded as LABEL (default BENCH); BINARY defaults to the musl exobench.
exobench_run() {
	local bench=$1 mode=$2 bin=${3:-$exobench} label=${4:-$1} cmd=() st=0 n=$runs flags=()
	case $bench in
	touch) n=$touch_runs ;;
	retouch | munmap | mprotect) n=$heavy_runs ;;
	esac
	if [ ! -x "$bin" ]; then
		record_without_figures "$label" "$mode" failed "$bin not built"
		return
	fi
	[ "$mode" = exosim-norewrite ] && flags=(--no-rewrite)
	case $mode in
	native) cmd=("$bin") ;;
	*) cmd=("$exosim" --stats --timeout 600 "${flags[@]}" "$bin") ;;
	esac
	"${cmd[@]}" --runs "$n" --target-ms "$target_ms" "$bench" </dev/null >"$tmp/o" 2>"$tmp/e" || st=$?
	local row
	row=$(grep "^$bench," "$tmp/o" | tail -n 1)
	if [ "$st" = 3 ]; then
		record_without_figures "$label" "$mode" n/a "$(why "$tmp/e")"
		return
	fi
	if [ "$st" != 0 ] || [ -z "$row" ]; then
		record_without_figures "$label" "$mode" failed "status $st: $(why "$tmp/e")"
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
	local ring0="" insns=""
	if [ "$mode" != native ]; then
		read -r ring0 insns <<<"$(qemu_insns "$bin" "${flags[@]}" "$bin" --runs 1 --target-ms 1 "$bench")"
	fi
	record "$label" "$mode" ok "$median" "$min" "$max" "$nruns" "$ops" "$exits" "$crossings" "$upcalls" \
		"$ring0" "$insns" ""
}

# boot_run NAME MODE [--stdin FILE] PROG [ARGS...]: boot-to-exit of PROG, timed by
# exobench spawn on the host.  Natively PROG itself is spawned; under exosim, exosim PROG
# (a VM boot, the kernel, ExOS for a Linux program, the program, the exit).  Exits and
# crossings per boot come from one more run with --stats, instructions per boot from
# one under QEMU (not with --stdin: QEMU does not forward stdin).
boot_run() {
	local name=$1 mode=$2 cmd=() st=0 in=()
	shift 2
	if [ "$1" = --stdin ]; then
		in=(--stdin "$2")
		shift 2
	fi
	local prog=$1
	if [ ! -x "$prog" ]; then
		record_without_figures "$name" "$mode" failed "$prog not found"
		return
	fi
	if [ "$mode" = native ]; then cmd=("$@"); else cmd=("$exosim" "$@"); fi
	"$exobench" --runs "$boot_runs" "${in[@]}" spawn "$name" "${cmd[@]}" </dev/null >"$tmp/o" 2>"$tmp/e" || st=$?
	local row
	row=$(grep "^$name," "$tmp/o" | tail -n 1)
	if [ "$st" != 0 ] || [ -z "$row" ]; then
		record_without_figures "$name" "$mode" failed "status $st: $(why "$tmp/e")"
		return
	fi
	local median min max ops nruns exits="" crossings="" upcalls=""
	IFS=, read -r _ median min max ops nruns _ <<<"$row"
	local ring0="" insns=""
	if [ "$mode" != native ]; then
		"$exosim" --stats "$@" <"${in[1]:-/dev/null}" >/dev/null 2>"$tmp/s" || true
		exits=$(stat exits_total "$tmp/s")
		crossings=$(stat kernel_crossings "$tmp/s")
		upcalls=$(stat upcalls "$tmp/s")
		[ ${#in[@]} = 0 ] && read -r ring0 insns <<<"$(qemu_insns "$prog" "$@")"
	fi
	record "$name" "$mode" ok "$median" "$min" "$max" "$nruns" "$ops" "$exits" "$crossings" "$upcalls" \
		"$ring0" "$insns" ""
}

# stdin_run MODE FILE: 5 MB through stdin, timed inside exobench from its first read to
# the end of file.  Stdin is read once per process, so this runs exobench --runs 1
# boot_runs times and takes the median, min and max of those runs.  Each run must read
# the whole file (its '# stdin_bytes=' line).
stdin_run() {
	local mode=$1 file=$2 cmd=() st i v=() size crossings=""
	size=$(wc -c <"$file")
	if [ "$mode" = native ]; then cmd=("$exobench"); else cmd=("$exosim" --timeout 300 "$exobench"); fi
	for ((i = 0; i < boot_runs; i++)); do
		st=0
		"${cmd[@]}" --runs 1 stdin <"$file" >"$tmp/o" 2>"$tmp/e" || st=$?
		if [ "$st" != 0 ] || ! grep -q "^# stdin_bytes=$size\$" "$tmp/o"; then
			record_without_figures stdin_read "$mode" failed \
				"status $st, $(sed -n 's/^# stdin_bytes=//p' "$tmp/o") of $size bytes: $(why "$tmp/e")"
			return
		fi
		v+=("$(grep '^stdin,' "$tmp/o" | cut -d, -f2)")
		crossings=$(grep '^stdin,' "$tmp/o" | cut -d, -f8)
	done
	local sorted
	sorted=$(printf '%s\n' "${v[@]}" | sort -g)
	record stdin_read "$mode" ok "$(sed -n "$(((boot_runs + 1) / 2))p" <<<"$sorted")" \
		"$(head -n 1 <<<"$sorted")" "$(tail -n 1 <<<"$sorted")" "$boot_runs" 1 "" "$crossings" "" "" "" ""
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
			record "$kind" exosim ok "${v[0]}" "${v[1]}" "${v[2]}" 20 $((pct_rounds / 20)) "$exits" "$c" "" "" "" ""
		fi
	done
}

# device_run NAMES -- SCRIPT ARGS...: bench/disk.sh or bench/net.sh, which measure exosim's
# devices against native in one run of their own; their BENCH_RECORDS lines (one per
# NAME and mode: median, min, max ns per operation, runs, exits and crossings per
# operation) become rows here.  A NAME with no line failed.
device_run() {
	local names=() st=0
	while [ "$1" != -- ]; do names+=("$1"); shift; done
	shift
	: >"$tmp/dev.rec"
	BENCH_RECORDS=$tmp/dev.rec "$@" >"$tmp/dev.out" 2>"$tmp/dev.err" </dev/null || st=$?
	local name mode med min max n exits cross
	for name in "${names[@]}"; do
		for mode in native exosim; do
			if read -r _ _ med min max n exits cross < <(grep "^$name $mode " "$tmp/dev.rec"); then
				[ "$min" = - ] && min=
				[ "$max" = - ] && max= min= # a range needs both ends
				[ "$exits" = - ] && exits=
				[ "$cross" = - ] && cross=
				record "$name" "$mode" ok "$med" "$min" "$max" "$n" 1 "$exits" "$cross" "" "" "" ""
			else # status 2: it cannot run here (no fio, say): not a failure
				record_without_figures "$name" "$mode" "$([ "$st" = 2 ] && echo n/a || echo failed)" \
					"$(basename "$1") status $st: $(tail -n 1 "$tmp/dev.err" | tr ',' ';' | cut -c1-160)"
			fi
		done
	done
}

# --- the runs
progress() { printf '%s\n' "suite.sh: $*" >&2; }
# BENCH_ONLY (a list of exobench benchmarks) limits the suite to them, plus the PCT and
# musl boot rows; BENCH_BOOT=0 leaves out the busybox, bash and stdin rows;
# BENCH_DEVICES=0 the disk and network rows.
benches=${BENCH_ONLY:-"nullproc getpid kcall segv prot1 prot100 unprot100 trap appel1 appel2 pipe pipe1 unixsock fork forkexec thread futex matmul touch retouch munmap mprotect malloc"}
for b in $benches; do
	progress "$b"
	exobench_run "$b" native
	[ "$have_kvm" = 1 ] && exobench_run "$b" exosim
	[ "$have_kvm" = 1 ] && [ "$b" = getpid ] && exobench_run getpid exosim-norewrite
	if [ "$b" = malloc ]; then
		exobench_run malloc native "$exobench_glibc" malloc_glibc
		[ "$have_kvm" = 1 ] && exobench_run malloc exosim "$exobench_glibc" malloc_glibc
	fi
done
progress "pct, yield"
[ "$have_kvm" = 1 ] && pct_run
progress "boot"
modes=native
[ "$have_kvm" = 1 ] && modes="native exosim"
for m in $modes; do
	boot_run boot "$m" "$hello"
done
if [ "$have_kvm" = 1 ]; then
	if [ -e "$hello_exos" ]; then
		boot_run boot_exos exosim "$hello_exos"
	else
		record_without_figures boot_exos exosim failed "$hello_exos not built"
	fi
fi
if [ "${BENCH_BOOT:-1}" = 1 ]; then
	# 5 MB through stdin: busybox wc -l reads every byte (no size shortcut) and writes
	# one line, boot to exit; and exobench reading it, timed inside the program.
	sh "$here/../tests/linux/gen_data.sh" stdin5m "$tmp/stdin.txt"
	for m in $modes; do
		boot_run boot_busybox "$m" "$busybox" true
		boot_run boot_bash "$m" "$bash_static" -c true
		# 100 external commands from busybox sh: fork + execve + wait each (issue 14).
		# Minutes a run under exosim here: 3 runs, and not in --quick.
		[ "$quick" = 1 ] || boot_runs=3 boot_run sh_loop "$m" "$busybox" sh -c \
			'for i in $($0 seq 100); do $0 true; done' "$busybox"
		boot_run stdin "$m" --stdin "$tmp/stdin.txt" "$busybox" wc -l
		stdin_run "$m" "$tmp/stdin.txt"
	done
fi
# Disks and NICs (issue 15): bench/disk.sh (exosim --disk vs fio) and bench/net.sh (two
# exosims vs two processes).  BENCH_DEVICES=0 leaves them out.
if [ "$have_kvm" = 1 ] && [ "${BENCH_DEVICES:-1}" = 1 ]; then
	if [ "$quick" = 1 ]; then disk_args=(--runs 1 --size 64) net_args=(100 1000)
	else disk_args=(--runs 5) net_args=(1000 5000); fi
	progress "disk"
	device_run disk_seqread disk_seqwrite disk_randread -- \
		"$here/disk.sh" --build "$build" "${disk_args[@]}"
	progress "net"
	device_run net_rtt net_frame -- "$here/net.sh" "$build" "${net_args[@]}"
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
unixsock|AF_UNIX socketpair ping-pong, two processes|exosim:unixsock|native:unixsock
fork|fork+exit+wait|exosim:fork|native:fork
forkexec|fork+exec+wait of a static program (exobench --exit)|exosim:forkexec|native:forkexec
thread|pthread create + join (musl)|exosim:thread|native:thread
futex|futex ping-pong between two threads (round trip)|exosim:futex|native:futex
pct|PCT round trip (ExOS only; vs Linux pipe ping-pong)|exosim:pct|native:pipe
yield|directed-yield round trip (ExOS only; vs pipe ping-pong)|exosim:yield|native:pipe
matmul|300x300 matrix multiply|exosim:matmul|native:matmul
touch|first touch of fresh anonymous memory (16 MiB mmap; per page)|exosim:touch|native:touch
retouch|touch after munmap + mmap of the same 16 MiB (per page)|exosim:retouch|native:retouch
munmap|munmap of a touched 16 MiB region (per page)|exosim:munmap|native:munmap
mprotect|mprotect of a touched 16 MiB region to read-only (per page)|exosim:mprotect|native:mprotect
malloc|malloc/free churn, musl (per call)|exosim:malloc|native:malloc
malloc_glibc|malloc/free churn, glibc (per call)|exosim:malloc_glibc|native:malloc_glibc
boot|boot-to-exit: static hello (exosim: VM + kernel + ExOS)|exosim:boot|native:boot
boot_exos|boot-to-exit: ExOS-native hello.elf (vs native static hello)|exosim:boot_exos|native:boot
boot_busybox|boot-to-exit: busybox true|exosim:boot_busybox|native:boot_busybox
boot_bash|boot-to-exit: bash -c true (bash-static)|exosim:boot_bash|native:boot_bash
sh_loop|busybox sh -c 'for i in \$(seq 100); do true; done' (busybox seq and true; boot-to-exit)|exosim:sh_loop|native:sh_loop
stdin|busybox wc -l of 5 MB on stdin (boot-to-exit)|exosim:stdin|native:stdin
stdin_read|5 MB through stdin: read() to the end in 64 KiB calls, timed in the program|exosim:stdin_read|native:stdin_read
disk_seqread|disk: sequential read, 1 MiB requests x 8 in flight (per MiB; exosim --disk vs fio io_uring O_DIRECT)|exosim:disk_seqread|native:disk_seqread
disk_seqwrite|disk: sequential write, 1 MiB requests x 8 in flight (per MiB)|exosim:disk_seqwrite|native:disk_seqwrite
disk_randread|disk: random 4 KiB reads x 32 in flight (per request)|exosim:disk_randread|native:disk_randread
net_rtt|network: round trip of a 60-byte frame (two exosims, --net socket; native: two processes, SOCK_SEQPACKET)|exosim:net_rtt|native:net_rtt
net_frame|network: a stream of 60-byte frames (per frame received)|exosim:net_frame|native:net_frame"

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
	if (lo[k] == "") return t(med[k])
	return t(med[k]) " (" t(lo[k]) " – " t(hi[k]) ")"
}
function insns(k) { # QEMU ring-0 / total instructions per operation
	if (!ok(k) || q0[k] == "") return "-"
	return sprintf("%s / %s", count(q0[k]), count(qt[k]))
}
function count(x) { return x >= 100 ? sprintf("%.0f", x) : sprintf("%.1f", x) }
function num(k, field) { return ok(k) && field != "" ? field : "-" }
NR > 1 {
	k = $2 ":" $1
	status[k] = $3; med[k] = $4; lo[k] = $5; hi[k] = $6
	exits[k] = $9; cross[k] = $10; up[k] = $11; q0[k] = $12; qt[k] = $13; note[k] = $14
}
END {
	printf "## exosim vs native Linux (%s)\n\n", host
	printf "Host: %s, Linux %s, %d CPUs. %s run: %s runs per benchmark after a warm-up; %d s in all.\n", \
		cpu, kernel, ncpu, quick ? "A --quick" : "A full", runs, elapsed
	if (!kvm) printf "No usable /dev/kvm or no exosim: native figures only.\n"
	printf "Times are per operation: median (min – max) over the runs.\n\n"
	printf "Ring-0 / total instructions per operation come from the same exosim benchmark under QEMU TCG (-icount shift=0, bench/insn_count.so).\n\n"
	printf "| benchmark | native | exosim | exosim/native | VM exits/op | crossings/op | upcalls/op | ring-0 / total insns/op (QEMU) |\n"
	printf "|---|---|---|---|---|---|---|---|\n"
	n = split(rows, r, "\n")
	for (i = 1; i <= n; i++) {
		split(r[i], f, "|")
		e = f[3]; nk = f[4]
		ratio = "-"
		if (ok(e) && ok(nk) && med[nk] > 0) {
			ratio = sprintf(med[e] / med[nk] >= 10 ? "%.0f×" : "%.2f×", med[e] / med[nk])
			printf "%s %g\n", f[1], med[e] / med[nk] > plotdata
		}
		printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", f[2], cell(nk), cell(e), ratio, \
			num(e, ok(e) ? exits[e] : ""), num(e, ok(e) ? cross[e] : ""), num(e, ok(e) ? up[e] : ""), \
			insns(e)
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
