#!/usr/bin/env bash
# disk.sh [--build DIR] [--runs N] [--size MiB] [--only NAME]: disk throughput, exosim against native, side
# by side in one run (issue 15's disk benchmarks).  Native is fio with io_uring and O_DIRECT
# on a host file; exosim is bench/diskbench.elf (ExOS's block interface) on the same file
# through `exosim --disk` (virtio-blk on io_uring, O_DIRECT when aligned):
#   seqread / seqwrite  1 MiB requests, 8 in flight, the whole file
#   randread            4 KiB requests at uniformly random offsets, 32 in flight
# --only runs one of the three (as when measuring a change to one path).  Each runs N times (default 5) alternating native and exosim; the table has the medians
# and, for exosim, VM exits, interrupts and kernel crossings
# per request (exosim --stats; the exits are the whole run's: a queue notification is an
# ioeventfd and causes none).  The file lives in TMPDIR (default /tmp: a real file
# system, as O_DIRECT needs).  With BENCH_RECORDS=FILE each result is also appended to
# FILE as "disk_NAME MODE MEDIAN_NS MIN_NS MAX_NS RUNS EXITS CROSSINGS" (time per 1 MiB
# request, or per 4 KiB request for randread; `-` where there is no figure): bench/suite.sh
# puts them in its table.  Exit status 0, 1 if a run failed, 2 bad usage or no KVM.
set -uo pipefail
build=build runs=5 size=256 only="seqread seqwrite randread"
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=${2:?}; shift ;;
	--runs) runs=${2:?}; shift ;;
	--size) size=${2:?}; shift ;;
	--only)
		case "${2:-}" in seqread | seqwrite | randread) only=$2 ;; *) echo "disk.sh: --only seqread|seqwrite|randread" >&2; exit 2 ;; esac
		shift ;;
	*) echo "usage: bench/disk.sh [--build DIR] [--runs N] [--size MiB] [--only NAME]" >&2; exit 2 ;;
	esac
	shift
done
exosim=$build/exosim diskbench=$build/bench/diskbench.elf
[ -x "$exosim" ] && [ -f "$diskbench" ] || { echo "disk.sh: build first (./build.sh bench)" >&2; exit 2; }
command -v fio >/dev/null || { echo "disk.sh: fio is not installed (./build.sh setup)" >&2; exit 2; }
[ -w /dev/kvm ] || { echo "disk.sh: no /dev/kvm" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_disk.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
file=$tmp/disk.img
fallocate -l "${size}M" "$file" 2>/dev/null || truncate -s "${size}M" "$file"
dd if=/dev/urandom of="$file" bs=1M count="$size" conv=notrunc status=none # no sparse reads

rand_ops=20000
median() { sort -g | awk '{v[NR] = $1} END {print NR ? v[int((NR + 1) / 2)] : "n/a"}'; }

# records NAME MODE COLUMN FILE [EXITS CROSSINGS]: BENCH_RECORDS's line for the runs in
# FILE, whose COLUMN is MB/s (1 MiB requests) or IOPS: nanoseconds per request.
records() {
	[ -n "${BENCH_RECORDS:-}" ] || return 0
	cut -d' ' -f"$3" "$4" | awk -v name="disk_$1" -v mode="$2" -v col="$3" \
		-v exits="${5:--}" -v cross="${6:--}" '$1 > 0 {
		ns[++n] = (col == 1 ? 1048576000 : 1e9) / $1 }
		END { if (!n) exit
		      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		          if (ns[j] < ns[i]) { t = ns[i]; ns[i] = ns[j]; ns[j] = t }
		      printf "%s %s %.0f %.0f %.0f %d %s %s\n", name, mode, ns[int((n + 1) / 2)],
		             ns[1], ns[n], n, exits, cross }' >>"$BENCH_RECORDS"
}

# native NAME: MB/s and IOPS of one fio run ("MBps iops").
native() {
	local rw bs depth extra=()
	case "$1" in
	seqread) rw=read bs=1M depth=8 ;;
	seqwrite) rw=write bs=1M depth=8 ;;
	randread) rw=randread bs=4k depth=32 extra=(--number_ios=$rand_ops) ;;
	esac
	fio --name=n --filename="$file" --rw=$rw --bs=$bs --iodepth=$depth --ioengine=io_uring \
		--direct=1 --size="${size}M" "${extra[@]}" --output-format=terse --terse-version=3 \
		2>/dev/null | awk -F';' -v w="$rw" '{ i = (w == "write") ? 48 : 7;
		printf "%.1f %d\n", $i / 1000 * 1.024, $(i + 1) }'
}

# exo NAME: "MBps iops exits_per_req irqs_per_req crossings_per_req" of one exosim run.
exo() {
	local args
	case "$1" in
	seqread) args="read 1048576 8 $size" ;;
	seqwrite) args="write 1048576 8 $size" ;;
	randread) args="randread 4096 32 $rand_ops" ;;
	esac
	# shellcheck disable=SC2086 # args is a word list
	"$exosim" --stats --disk "$file" "$diskbench" $args 2>"$tmp/stats" | awk '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%s %s", v["MBps"], v["iops"] }' || return 1
	awk '/device disk0/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); d[kv[1]] = kv[2] } }
		/exits_total=/ { split($2, kv, "="); exits = kv[2] }
		/kernel_crossings=/ { split($2, kv, "="); cross = kv[2] }
		END { r = d["reads"] + d["writes"] + d["flushes"]; if (!r) r = 1 # a batch is many
		      printf " %.2f %.2f %.2f\n", exits / r, d["interrupts"] / r, cross / r }' "$tmp/stats"
}

status=0
echo "## disk: exosim --disk vs fio (io_uring, O_DIRECT), ${size} MiB file, $runs runs, medians"
echo "host: $(uname -r), $(nproc) CPUs; $(date -u +%Y-%m-%d)"
echo
echo "| benchmark | native | exosim | exosim/native | exits/req | irqs/req | crossings/req |"
echo "|---|---|---|---|---|---|---|"
for b in $only; do
	: >"$tmp/n" && : >"$tmp/e"
	for _ in $(seq "$runs"); do
		native $b >>"$tmp/n" || status=1
		exo $b >>"$tmp/e" || { echo "disk.sh: exosim $b failed: $(tail -1 "$tmp/stats")" >&2; status=1; }
	done
	col=1 unit="MB/s"
	[ $b = randread ] && col=2 unit=IOPS
	n=$(cut -d' ' -f$col "$tmp/n" | median) e=$(cut -d' ' -f$col "$tmp/e" | median)
	ratio=$(awk -v n="$n" -v e="$e" 'BEGIN { if (n > 0) printf "%.2f", e / n; else print "n/a" }')
	exits=$(cut -d' ' -f3 "$tmp/e" | median) cross=$(cut -d' ' -f5 "$tmp/e" | median)
	printf "| %s (%s) | %s | %s | %s | %s | %s | %s |\n" "$b" "$unit" "$n" "$e" "$ratio" \
		"$exits" "$(cut -d' ' -f4 "$tmp/e" | median)" "$cross"
	records $b native $col "$tmp/n"
	records $b exosim $col "$tmp/e" "$exits" "$cross"
done
exit $status
