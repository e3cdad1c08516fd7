#!/usr/bin/env bash
# upcall.sh BUILD_DIR [N]: the round trip of an exception handled in user space
# (kernel upcall to the libOS handler, resume without a kernel crossing), under
# exosim and QEMU TCG, timed in ring 3 by tests/guest/upcall_cost.elf.
set -euo pipefail
build=${1:?usage: upcall.sh BUILD_DIR [N]}
n=${2:-2000}
echo "## exosim ($("$(dirname "$0")/../scripts/host-type.sh"))"
"$build/exosim" "$build/tests/guest/upcall_cost.elf" "$n"
if command -v qemu-system-x86_64 >/dev/null; then
	echo "## QEMU (TCG; cycles are the emulated TSC)"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	"$build/exosim" --pack "$tmp/i.cpio" "$build/tests/guest/upcall_cost.elf" "$n"
	"$(dirname "$0")/../scripts/qemu-boot.sh" "$build/kernel.elf" "$tmp/i.cpio" || true
fi
