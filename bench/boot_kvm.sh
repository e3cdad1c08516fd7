#!/usr/bin/env bash
# boot_kvm.sh [--build DIR] PROGRAM [ARGS...]: where `exosim PROGRAM ARGS` spends its
# start-up on KVM, exactly, phase by phase (docs/boot.md, "Where boot time goes").
#
# On KVM nested on PVM every guest ring-0 instruction is emulated, and each is a
# kvm:kvm_emulate_insn event with its address; each memory access the emulator makes
# walks the guest's page tables in software (kvmmmu:kvm_mmu_pagetable_walk).  One run
# under `perf record` gives, per kernel boot phase (cut at boot_mark's rdtsc, as the
# kernel's `exosim-stats: boot_us` line is), the ring-0 instructions, the iterations of
# `rep movs`/`rep stos` (each a further walk or two: ~0.6 us here), the port I/O exits
# and the shadow page-table entries KVM fills (kvmmmu:kvm_mmu_set_spte: first touches).
# Everything after the kernel's loader (ExOS's set-up, the program, their kernel calls)
# is one row, less the exit call itself (with --stats it formats the stats lines), which
# is its own row; the per-call split is bench/disk_ring0.sh's method.  Needs perf with
# access to the kvm tracepoints (root here), python3 and nm; on a VT-x/SVM host ring 0 is
# not emulated and there is nothing to count.  Exit status 0; 1 the run failed; 2 bad
# usage or missing tools.
set -euo pipefail
build=build
if [ "${1:-}" = --build ]; then
	build=${2:?}
	shift 2
fi
[ $# -ge 1 ] || { echo "usage: bench/boot_kvm.sh [--build DIR] PROGRAM [ARGS...]" >&2; exit 2; }
for f in "$build/exosim" "$build/kernel.elf"; do
	[ -e "$f" ] || { echo "boot_kvm.sh: $f not found (build first)" >&2; exit 2; }
done
command -v perf >/dev/null && command -v python3 >/dev/null && command -v nm >/dev/null ||
	{ echo "boot_kvm.sh: needs perf, python3 and nm" >&2; exit 2; }
[ -w /dev/kvm ] || { echo "boot_kvm.sh: no /dev/kvm" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/boot_kvm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
perf record -q -o "$tmp/perf.data" -e kvm:kvm_emulate_insn,kvmmmu:kvm_mmu_pagetable_walk \
	-e kvm:kvm_pio,kvmmmu:kvm_mmu_set_spte "$build/exosim" --stats "$@" </dev/null \
	>/dev/null 2>"$tmp/err" || { echo "boot_kvm.sh: the run failed: $(tail -n 1 "$tmp/err")" >&2; exit 1; }
perf script -i "$tmp/perf.data" 2>/dev/null >"$tmp/script"
nm -n --defined-only "$build/kernel.elf" >"$tmp/syms"
echo "Host: $(uname -r), KVM: $(ls -d /sys/module/kvm* 2>/dev/null | sed 's|.*/||' | tr '\n' ' ')"
echo "Program: $*"
echo
python3 - "$tmp/script" "$tmp/syms" <<'PY'
import collections, sys
script, symfile = sys.argv[1], sys.argv[2]
syms = {n: int(a, 16) for a, t, n in (l.split()[:3] for l in open(symfile)) if t in 'tTwW'}
mark, kmain, exit_call = syms['boot_mark'], syms['kmain'], syms['sys_exit']
phases = ['entry', 'cmdline', 'cpu', 'memory', 'tables', 'lapic', 'env', 'load',
          'program + run', 'exit call']
ph, in_rep = 0, False
insns, reps, pio, spte = (collections.Counter() for _ in range(4))
for line in open(script):
    f = line.split()
    if len(f) < 6:
        continue
    ev = f[4]
    if ev == 'kvm:kvm_emulate_insn:':  # ... CS:RIP:BYTES BYTES... (mode)
        _, rip, b0 = f[5].split(':')[:3]
        rip = int(rip, 16)
        if rip == kmain and ph == 0:
            ph = 1
        if rip == exit_call:
            ph = 9
        insns[phases[ph]] += 1
        in_rep = b0 in ('f2', 'f3') and len(f) > 6 and f[6] in ('48', 'a4', 'a5', 'aa', 'ab')
        if rip == mark and ph < 8:
            ph += 1
    elif ev == 'kvmmmu:kvm_mmu_pagetable_walk:':
        if in_rep and not line.rstrip().endswith(' F'):  # a data access, not a fetch
            reps[phases[ph]] += 1
    elif ev == 'kvm:kvm_pio:':
        pio[phases[ph]] += 1
    elif ev == 'kvmmmu:kvm_mmu_set_spte:':
        spte[phases[ph]] += 1
print('| phase | ring-0 instructions | rep iterations | port exits | shadow entries filled |')
print('|---|---|---|---|---|')
for p in phases:
    # a rep iteration of movs reads and writes (2 walks), of stos writes (1): count pairs
    print(f'| {p} | {insns[p]} | ~{reps[p] // 2} | {pio[p]} | {spte[p]} |')
print(f'| total | {sum(insns.values())} | ~{sum(reps.values()) // 2} | {sum(pio.values())} '
      f'| {sum(spte.values())} |')
PY
