#!/usr/bin/env bash
# nullcall.sh BUILD_DIR [N]: the cost of one null kernel call, through the gate and
# through a bare `syscall`, timed with rdtsc in ring 3 by tests/guest/nullcall.elf
# (N calls per path, default 10000), under exosim (KVM) and under QEMU (TCG).
set -eu

build=${1:?usage: nullcall.sh BUILD_DIR [N]}
n=${2:-10000}
exosim=$build/exosim
kernel=$build/kernel.elf
prog=$build/tests/guest/nullcall.elf
for f in "$exosim" "$kernel" "$prog"; do
	[ -e "$f" ] || { echo "nullcall.sh: $f not found (build first)" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_nullcall.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "Host: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo
echo "## exosim (KVM)"
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	"$exosim" --stats --kernel "$kernel" "$prog" "$n" </dev/null 2>"$tmp/err" || echo "(exit status $?)"
	grep 'exosim-stats:' "$tmp/err" || true
else
	echo "skipped: no /dev/kvm"
fi
echo
echo "## QEMU (TCG)"
if command -v qemu-system-x86_64 >/dev/null; then
	"$exosim" --kernel "$kernel" --pack "$tmp/boot.cpio" "$prog" "$n"
	st=0
	"$(dirname "$0")/../scripts/qemu-boot.sh" "$kernel" "$tmp/boot.cpio" "$tmp/dbg" </dev/null || st=$?
	[ "$st" = 1 ] || echo "(QEMU exit status $st: guest status $((st >> 1)), 0 expected)"
	echo "(QEMU TCG cycles are the emulated TSC: compare with care)"
else
	echo "skipped: qemu-system-x86_64 not installed"
fi
