#!/usr/bin/env bash
# boot_phases.sh [-n RUNS] BUILD_DIR PROGRAM [ARGS...]: where the start-up of PROGRAM
# under exosim goes, phase by phase (docs/boot.md, "Where boot time goes").
#
# Runs `exosim --stats PROGRAM ARGS` RUNS times (default 11) and prints, as a Markdown
# table, the median ms of each phase: exosim's own set-up (the archive, the VM, loading
# the kernel and the archive into guest RAM, and their sum), the kernel's
# boot phases and the program's start-up marks (the kernel's `exosim-stats: boot_us`
# line), and exosim's teardown.  With QEMU and the plugin bench/insn_count.so built,
# one more run under QEMU TCG with `-icount shift=0` and exosim.tsc_khz=1000000 (the
# TSC then counts instructions) gives the instructions of each phase: all of a kernel
# phase's are ring 0; from `start` on they are ring 3 and ring 0 together; the QEMU
# total starts at kmain.  The QEMU
# column follows QEMU's paths (no paravirtual console: the kernel clears what exosim
# guarantees is zero), so it shows more work in `memory` than KVM does.
# Exit status: 0; 1 if a run failed; 2 bad usage.
set -euo pipefail

runs=11
if [ "${1:-}" = -n ]; then
	runs=$2
	shift 2
fi
[ $# -ge 2 ] || { echo "usage: boot_phases.sh [-n RUNS] BUILD_DIR PROGRAM [ARGS...]" >&2; exit 2; }
build=$1
shift
exosim=$build/exosim
[ -x "$exosim" ] || { echo "boot_phases.sh: $exosim not found (build first)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/boot_phases.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# fields FILE: "name value" for every field of the boot_us line, then exosim's times.
fields() {
	sed -n 's/^exosim-stats: boot_us //p' "$1" | tr ' ' '\n' | tr '=' ' '
	sed -n 's/^exosim-stats: setup_ms //p' "$1" | tr ' ' '\n' | sed 's/^\(.*\)=\(.*\)/setup_\1_ms \2/'
	sed -n 's/^exosim-stats: time_setup_ms=\([0-9.]*\) .*time_teardown_ms=\([0-9.]*\).*/setup_ms \1\nteardown_ms \2/p' "$1"
}

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	for i in $(seq "$runs"); do
		"$exosim" --stats "$@" </dev/null >/dev/null 2>"$tmp/err" ||
			{ echo "boot_phases.sh: run $i failed:" >&2; cat "$tmp/err" >&2; exit 1; }
		grep -q '^exosim-stats: boot_us ' "$tmp/err" ||
			{ echo "boot_phases.sh: no boot_us line from the kernel" >&2; exit 1; }
		fields "$tmp/err" >>"$tmp/kvm"
		echo "wall_ms $(sed -n 's/^exosim-stats: .*time_total_ms=\([0-9.]*\).*/\1/p' "$tmp/err")" >>"$tmp/kvm"
	done
fi
qemu_ok=0
if command -v qemu-system-x86_64 >/dev/null && [ -e "$build/bench/insn_count.so" ]; then
	"$exosim" --pack "$tmp/q.cpio" "$@"
	st=0
	EXO_QEMU_MEM=128M EXO_QEMU_OPTS="-icount shift=0 -plugin $build/bench/insn_count.so,out=$tmp/q.count" \
		timeout 600 "$here/../scripts/qemu-boot.sh" "$build/kernel.elf" "$tmp/q.cpio" "$tmp/q.err" \
		"exosim.tsc_khz=1000000 exo.stats" </dev/null >/dev/null 2>&1 || st=$?
	# QEMU exits (status << 1) | 1: 1 is the program's 0
	if [ "$st" = 1 ] && grep -q '^exosim-stats: boot_us ' "$tmp/q.err"; then
		# QEMU's TSC runs from its reset, through QEMU's own set-up (icount lets it
		# run on while nothing executes): its `entry` means nothing, and its total is
		# counted from kmain.
		fields "$tmp/q.err" | grep -v '_ms ' | awk '$1 == "entry" { e = $2; next }
			$1 == "total" { $2 -= e } { print }' >"$tmp/qemu"
		qemu_ok=1
	else
		echo "boot_phases.sh: the QEMU run failed (status $st)" >&2
	fi
fi

echo "Host: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
	"KVM: $(ls -d /sys/module/kvm* 2>/dev/null | sed 's|.*/||' | tr '\n' ' ')"
echo "Program: $*; $runs runs"
echo
echo "| phase | median ms (exosim) | instructions (QEMU TCG) |"
echo "|---|---|---|"
# The phases in boot order; a program without a mark (`program`: ExOS only) has no row.
for p in setup_archive_ms setup_vm_ms setup_load_ms setup_ms entry cmdline cpu memory tables lapic env load start args program run teardown_ms total wall_ms; do
	ms=-
	if [ -s "$tmp/kvm" ] && grep -q "^$p " "$tmp/kvm"; then
		ms=$(awk -v p="$p" '$1 == p { print $2 }' "$tmp/kvm" | sort -g | awk '{ v[NR] = $1 }
			END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			      printf "%.2f", (p ~ /_ms$/) ? m : m / 1000 }' p="$p")
	fi
	insns=-
	if [ "$qemu_ok" = 1 ] && grep -q "^$p " "$tmp/qemu"; then
		# µs at a 1 GHz TSC that counts instructions: one µs is 1000 of them
		insns=$(awk -v p="$p" '$1 == p { printf "%.0f", $2 * 1000 }' "$tmp/qemu")
	fi
	[ "$ms" = - ] && [ "$insns" = - ] && continue
	echo "| ${p%_ms} | $ms | $insns |"
done
