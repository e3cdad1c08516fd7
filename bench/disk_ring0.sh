#!/usr/bin/env bash
# disk_ring0.sh [--build DIR] [--ops N] [--top K]: ring-0 instructions of the disk path on
# KVM, exact, per kernel entry: `exosim --disk` runs bench/diskbench.elf (4 KiB random
# reads, 32 in flight) under `perf record -e kvm:kvm_emulate_insn`; on KVM nested on PVM
# every guest ring-0 instruction is emulated and each one is such an event, with its
# address.  The stream is cut at every kernel entry stub (trap_entry_*, irq_*,
# syscall_entry) and each piece is named by what it ran: a DISK_BATCH or DISK_IO
# submission, a sleep (sys_wait), a disk interrupt (with or without waking the
# sleeper), a timer tick.  Prints, per kind, how many, the median and mean instructions,
# and the K functions (default 12) that the submissions and interrupts spend them in.
# QEMU TCG (bench/ring0_profile.sh) cannot show this path: QEMU's virtio-blk has no
# batches.  Needs perf with access to the kvm tracepoints (root here) and /dev/kvm;
# on a VT-x/SVM host ring 0 is not emulated and there is nothing to count.  Exit status
# 0; 1 if the run failed; 2 bad usage or missing tools.
set -euo pipefail
build=build ops=20000 top=12
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=${2:?}; shift ;;
	--ops) ops=${2:?}; shift ;;
	--top) top=${2:?}; shift ;;
	*) echo "usage: bench/disk_ring0.sh [--build DIR] [--ops N] [--top K]" >&2; exit 2 ;;
	esac
	shift
done
for f in "$build/exosim" "$build/kernel.elf" "$build/bench/diskbench.elf"; do
	[ -e "$f" ] || { echo "disk_ring0.sh: $f not found (build first)" >&2; exit 2; }
done
command -v perf >/dev/null && command -v python3 >/dev/null && command -v nm >/dev/null ||
	{ echo "disk_ring0.sh: needs perf, python3 and nm" >&2; exit 2; }
[ -w /dev/kvm ] || { echo "disk_ring0.sh: no /dev/kvm" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/disk_ring0.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dd if=/dev/urandom of="$tmp/disk.img" bs=1M count=64 status=none
perf record -q -o "$tmp/perf.data" -e kvm:kvm_emulate_insn "$build/exosim" --disk "$tmp/disk.img" \
	"$build/bench/diskbench.elf" randread 4096 32 "$ops" >"$tmp/out" 2>"$tmp/err" ||
	{ echo "disk_ring0.sh: the run failed: $(tail -n 1 "$tmp/err")" >&2; exit 1; }
[ -s "$tmp/perf.data" ] || { echo "disk_ring0.sh: perf recorded nothing" >&2; exit 1; }
echo "diskbench: $(cat "$tmp/out")"
perf script -i "$tmp/perf.data" 2>/dev/null >"$tmp/script"
nm -n --defined-only "$build/kernel.elf" >"$tmp/syms"
python3 - "$tmp/script" "$tmp/syms" "$top" <<'PY'
import bisect, collections, sys
script, symfile, top = sys.argv[1], sys.argv[2], int(sys.argv[3])
syms = sorted((int(a, 16), n) for a, t, n in (l.split()[:3] for l in open(symfile))
              if t in 'tTwW')
addrs = [a for a, _ in syms]
entries = {a for a, n in syms if n.startswith(('trap_entry_', 'irq_', 'syscall_entry'))}
def name(rip):
    i = bisect.bisect_right(addrs, rip) - 1
    return syms[i][1] if i >= 0 else '?'
pieces, cur = [], None
for line in open(script):
    f = line.split()  # ... kvm:kvm_emulate_insn: CS:RIP:BYTES (mode)
    try:
        rip = int(f[5].split(':')[1], 16)
    except (IndexError, ValueError):
        continue
    if cur is None or rip in entries:
        cur = collections.Counter()
        pieces.append(cur)
    cur[name(rip)] += 1
def kind(p):
    if 'sys_disk_batch' in p: return 'submit: DISK_BATCH'
    if 'sys_disk_io' in p: return 'submit: DISK_IO'
    if 'sys_wait' in p: return 'sleep: sys_wait'
    if 'virtio_blk_irq' in p:
        return 'disk interrupt, waking' if 'env_run' in p else 'disk interrupt'
    if 'sched_tick' in p: return 'timer tick'
    return 'other (boot, exit, ...)'
kinds = collections.defaultdict(list)
for p in pieces:
    kinds[kind(p)].append(p)
print('| kernel entry | count | median insns | mean insns |')
print('|---|---|---|---|')
for k, ps in sorted(kinds.items()):
    n = sorted(sum(p.values()) for p in ps)
    print(f'| {k} | {len(ps)} | {n[len(n) // 2]} | {sum(n) / len(n):.0f} |')
for k in ('submit: DISK_BATCH', 'submit: DISK_IO', 'disk interrupt'):
    if k not in kinds:
        continue
    agg = collections.Counter()
    for p in kinds[k]:
        agg.update(p)
    print(f'\n{k}, per entry:')
    for f, c in agg.most_common(top):
        print(f'  {c / len(kinds[k]):7.1f}  {f}')
PY
