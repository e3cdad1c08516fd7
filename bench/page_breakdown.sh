#!/usr/bin/env bash
# page_breakdown.sh BUILD_DIR [ROUNDS]: where a page's cost goes (issue 13).
# Runs tests/guest/page_cost.elf three times and prints docs/benchmarks.md's table:
#   1. under QEMU TCG with `-icount shift=0`: the guest TSC then advances one per
#      instruction, so each call's cycles are its instruction count (ring 3's share
#      is the wrapper, the gate and the rdtsc pair, a dozen instructions);
#   2. under exosim (KVM): the same calls timed, on pages never used (exosim's
#      fresh pages are zero, so PAGE_ALLOC does not clear them);
#   3. under exosim with --mem 32M after a pass that frees every page once
#      ("dirty"): each page allocated is then cleared in ring 0, as QEMU's always are.
# "per extra page" is (cycles at 512 pages - cycles at 16) / 496: the per-page cost
# without the call's fixed part.  ROUNDS (default 21) rounds per figure; medians.
set -euo pipefail
build=${1:?usage: page_breakdown.sh BUILD_DIR [ROUNDS]}
rounds=${2:-21}
prog=$build/tests/guest/page_cost.elf
for f in "$build/exosim" "$build/kernel.elf" "$prog"; do
	[ -e "$f" ] || { echo "page_breakdown.sh: $f not found (build first)" >&2; exit 1; }
done
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "page_breakdown.sh: qemu-system-x86_64 not installed (the instruction counts need it)" >&2; exit 1; }
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "page_breakdown.sh: no usable /dev/kvm (the timings need it)" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/page_breakdown.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$build/exosim" --pack "$tmp/boot.cpio" "$prog" "$rounds"
st=0
EXO_QEMU_OPTS="-icount shift=0" "$(dirname "$0")/../scripts/qemu-boot.sh" \
	"$build/kernel.elf" "$tmp/boot.cpio" "$tmp/qemu.err" >"$tmp/qemu" </dev/null || st=$?
[ "$st" = 1 ] || { echo "page_breakdown.sh: page_cost under QEMU failed (QEMU status $st)" >&2; cat "$tmp/qemu" >&2; exit 1; }
"$build/exosim" "$prog" "$rounds" >"$tmp/kvm" </dev/null ||
	{ echo "page_breakdown.sh: page_cost under exosim failed (status $?)" >&2; cat "$tmp/kvm" >&2; exit 1; }
"$build/exosim" --mem 32M "$prog" "$rounds" dirty >"$tmp/dirty" </dev/null ||
	{ echo "page_breakdown.sh: page_cost dirty under exosim failed (status $?)" >&2; cat "$tmp/dirty" >&2; exit 1; }

echo "Host: $("$(dirname "$0")/../scripts/host-type.sh"), $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "Date: $(date -u +%Y-%m-%d), $rounds rounds per figure"
echo
awk '
function us(c, f) { return sprintf("%.1f", c * 1000 / khz[f]) }
FNR == 1 { f++ }
/tsc_khz/ { khz[f] = $NF }
/op=/ {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	m[f, v["op"], v["n"]] = v["median"]
}
function insns(op, n) { return m[1, op, n] - m[1, "empty", 1] }
# clear: instructions per page that QEMU runs and this exosim row does not (QEMU
# clears every page it allocates: 512 rep stosq iterations).
function row(label, op, f, clear) {
	qs = (m[1, op, 512] - m[1, op, 16]) / 496 - clear
	ks = (m[f, op, 512] - m[f, op, 16]) / 496
	printf "| %s | %d | %.0f | %s | %s | %s | %s | %.2f |\n", label, insns(op, 1) - clear, qs,
		us(m[f, op, 1], f), us(m[f, op, 16], f), us(m[f, op, 512], f), us(ks, f),
		ks * 1000 / khz[f] / qs
}
END {
	print "| call | ring-0+gate insns, 1 page (QEMU) | insns per extra page | exosim µs, 1 page | 16 pages | 512 pages | µs per extra page | µs per insn (per page) |"
	print "|---|---|---|---|---|---|---|---|"
	printf "| null call | %d | - | %s | - | - | - | %.2f |\n", insns("null", 1), us(m[2, "null", 1], 2),
		m[2, "null", 1] * 1000 / khz[2] / insns("null", 1)
	row("PAGE_ALLOC, fresh pages (no clearing; QEMU count - 512)", "alloc", 2, 512)
	row("PAGE_ALLOC, freed pages (cleared: rep stosq)", "alloc", 3)
	row("MAP, page tables present", "map", 2)
	row("MAP, new page-table page", "map_newpt", 2)
	row("PROTECT to read-only (PTE write + invlpg)", "prot_ro", 2)
	row("PROTECT to writable (+ rmap lookup)", "prot_rw", 2)
	row("PROTECT of absent pages (walk only)", "prot_none", 2)
	row("UNMAP (PTE clear + invlpg + rmap)", "unmap", 2)
	row("UNMAP of absent pages (walk only)", "unmap_none", 2)
	row("CAP_RELEASE, one call per page", "release", 2)
	row("RUN_ALLOC: n frames, one capability (fresh; QEMU count - 512)", "run_alloc", 2, 512)
	row("MAP of a run, one op", "map_run", 2)
	row("UNMAP of a run", "unmap_run", 2)
	row("CAP_RELEASE of a run", "run_free", 2)
	printf "| MAP of a 2 MiB page (512 frames, one entry) | %d | %.1f (per 4 KiB) | - | - | %s | - | - |\n",
		insns("map_large", 512), insns("map_large", 512) / 512, us(m[2, "map_large", 512], 2)
	printf "| UNMAP of a 2 MiB page | %d | %.1f (per 4 KiB) | - | - | %s | - | - |\n",
		insns("unmap_lrg", 512), insns("unmap_lrg", 512) / 512, us(m[2, "unmap_lrg", 512], 2)
	print ""
	print "Derived, per page (exosim fresh run; instructions from QEMU):"
	d = (m[2, "prot_ro", 512] - m[2, "prot_none", 512]) / 512
	printf "- PTE write + invlpg (PROTECT present - absent): %s µs, %.0f insns\n", us(d, 2),
		(m[1, "prot_ro", 512] - m[1, "prot_none", 512]) / 512
	d = (m[2, "unmap", 512] - m[2, "unmap_none", 512]) / 512
	printf "- PTE clear + invlpg + rmap removal (UNMAP present - absent): %s µs, %.0f insns\n", us(d, 2),
		(m[1, "unmap", 512] - m[1, "unmap_none", 512]) / 512
	d = (m[3, "alloc", 512] - m[3, "alloc", 16]) / 496 - (m[2, "alloc", 512] - m[2, "alloc", 16]) / 496
	printf "- clearing a freed page (PAGE_ALLOC dirty - fresh): %.1f µs (QEMU always clears: 512 rep stosq iterations)\n",
		d * 1000 / khz[2]
	printf "- first ring-3 touch of a page ExOS mapped ahead: %s µs (second touch %s µs; QEMU: %d insns)\n",
		us(m[2, "touch1", 1], 2), us(m[2, "touch2", 1], 2), insns("touch1", 1)
	d = (m[2, "alloc", 512] + m[2, "map", 512]) / 512
	printf "- PAGE_ALLOC + MAP at 512 pages a call (ExOS exos_map_range): %s µs per page, + first touch\n", us(d, 2)
	d = (m[2, "run_alloc", 512] + m[2, "map_run", 512]) / 512
	printf "- RUN_ALLOC + MAP of a 512-frame run, 4 KiB pages: %s µs per page, %.0f insns\n", us(d, 2),
		(m[1, "run_alloc", 512] + m[1, "map_run", 512] - 512 * 512) / 512
	d = (m[2, "run_alloc", 512] + m[2, "map_large", 512]) / 512
	printf "- RUN_ALLOC + MAP as one 2 MiB page: %s µs per 4 KiB, %.1f insns\n", us(d, 2),
		(m[1, "run_alloc", 512] + m[1, "map_large", 512] - 512 * 512) / 512
}' "$tmp/qemu" "$tmp/kvm" "$tmp/dirty"
