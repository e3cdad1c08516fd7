#!/usr/bin/env bash
# boot.sh BUILD_DIR [RUNS]: boot-to-exit wall time of apps/hello.elf under exosim
# (KVM) and under QEMU (TCG), RUNS times each (default 20), as a Markdown table:
# median, min and max in ms, and exosim's VM exits per run (exosim --stats).
set -eu

build=${1:?usage: boot.sh BUILD_DIR [RUNS]}
runs=${2:-20}
exosim=$build/exosim
kernel=$build/kernel.elf
hello=$build/apps/hello.elf
for f in "$exosim" "$kernel" "$hello"; do
	[ -e "$f" ] || { echo "boot.sh: $f not found (build first)" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_boot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

now_ns() {
	date +%s%N
}

# stats FILE: "median min max" in ms (3 decimals) of the ns values in FILE.
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 }
		END {
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.3f %.3f %.3f\n", m / 1e6, v[1] / 1e6, v[NR] / 1e6
		}'
}

# time_runs OUTFILE CMD...: runs CMD $runs times, appends each wall time (ns).
time_runs() {
	local out=$1
	shift
	: >"$out"
	for _ in $(seq "$runs"); do
		local t0 t1
		t0=$(now_ns)
		"$@" </dev/null >"$tmp/stdout" 2>"$tmp/stderr" || true
		t1=$(now_ns)
		echo $((t1 - t0)) >>"$out"
		if ! grep -q '^hello from ring 3$' "$tmp/stdout"; then
			echo "boot.sh: run failed: $*" >&2
			cat "$tmp/stderr" >&2
			exit 1
		fi
	done
}

echo "Host: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "KVM: $(ls -d /sys/module/kvm* 2>/dev/null | sed 's|.*/||' | tr '\n' ' ')"
echo
echo "| VM | runs | median ms | min ms | max ms | VM exits/run |"
echo "|---|---|---|---|---|---|"

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	time_runs "$tmp/exosim.ns" "$exosim" --kernel "$kernel" "$hello"
	"$exosim" --stats --kernel "$kernel" "$hello" </dev/null >/dev/null 2>"$tmp/stats" || true
	exits=$(sed -n 's/^exosim-stats: .*exits_total=\([0-9]*\).*/\1/p' "$tmp/stats" | head -1)
	read -r med min max < <(stats "$tmp/exosim.ns")
	echo "| exosim (KVM) | $runs | $med | $min | $max | ${exits:-?} |"
else
	echo "| exosim (KVM) | - | no /dev/kvm | | | |"
fi

if command -v qemu-system-x86_64 >/dev/null; then
	"$exosim" --kernel "$kernel" --pack "$tmp/boot.cpio" "$hello"
	time_runs "$tmp/qemu.ns" "$(dirname "$0")/../scripts/qemu-boot.sh" "$kernel" "$tmp/boot.cpio" "$tmp/dbg"
	read -r med min max < <(stats "$tmp/qemu.ns")
	echo "| QEMU (TCG) | $runs | $med | $min | $max | n/a |"
else
	echo "| QEMU (TCG) | - | not installed | | | |"
fi
if [ -s "$tmp/stats" ]; then
	echo
	echo "exosim --stats (one run):"
	sed 's/^/    /' "$tmp/stats" | grep 'exosim-stats:' || true
fi
