#!/usr/bin/env bash
# fpu_switch.sh BUILD_DIR [N]: the cost of switching the FPU/SSE/AVX state between two
# environments (kernel/fpu.c), measured inside the kernel: the boot option exo.fpu_timing
# times each save+restore with rdtsc (less the cost of the probe itself) and exo.stats
# prints the median and minimum of the first 1024 switches at exit.  The switches come
# from tests/guest/pct_cost.elf N (PCT and directed-yield round trips, whose medians it
# also prints), under exosim and, if installed, QEMU (TCG) with XSAVE and with noxsave.
set -euo pipefail
build=${1:?usage: fpu_switch.sh BUILD_DIR [N]}
n=${2:-2000}
prog=$build/tests/guest/pct_cost.elf
[ -e "$prog" ] || { echo "fpu_switch.sh: $prog not found (build first)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_fpu.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# show FILE...: the round-trip medians and the kernel's FPU switch figures.
show() {
	grep -h -E 'roundtrip_ns_median=|fpu_switch' "$@" | sed 's/^exosim-stats: //; s/^/  /'
}

echo "## exosim ($("$(dirname "$0")/../scripts/host-type.sh"))"
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	"$build/exosim" --stats --append exo.fpu_timing "$prog" "$n" >"$tmp/out" 2>"$tmp/err"
	show "$tmp/out" "$tmp/err"
else
	echo "  not run: /dev/kvm is not accessible"
fi
if command -v qemu-system-x86_64 >/dev/null; then
	"$build/exosim" --pack "$tmp/i.cpio" "$prog" "$n"
	for opts in "" noxsave; do
		echo "## QEMU (TCG, -cpu max${opts:+, $opts}; ns from the emulated TSC)"
		"$(dirname "$0")/../scripts/qemu-boot.sh" "$build/kernel.elf" "$tmp/i.cpio" \
			"$tmp/dbg" "exo.stats exo.fpu_timing $opts" >"$tmp/qout" || true
		show "$tmp/qout" "$tmp/dbg"
	done
fi
