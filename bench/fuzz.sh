#!/usr/bin/env bash
# fuzz.sh BUILD_DIR [COUNT] [SEED] [OPTIONS...]: runs tests/guest/fuzz.elf, a hostile
# environment making COUNT random exokernel calls (default 1000000) while another
# environment checksums a buffer, under exosim (KVM), and reports the calls made,
# the calls per second (timed with rdtsc in ring 3) and the wall time.  OPTIONS go
# to fuzz.elf (e.g. gate-only: never enter through a bare `syscall`).  The killed
# environments' one-line diagnostics are counted, not printed.
set -eu

build=${1:?usage: fuzz.sh BUILD_DIR [COUNT] [SEED] [OPTIONS...]}
count=${2:-1000000}
seed=${3:-1}
shift $(($# < 3 ? $# : 3))
exosim=$build/exosim
kernel=$build/kernel.elf
prog=$build/tests/guest/fuzz.elf
for f in "$exosim" "$kernel" "$prog"; do
	[ -e "$f" ] || { echo "fuzz.sh: $f not found (build first)" >&2; exit 1; }
done
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "fuzz.sh: skipped: no /dev/kvm" >&2
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "Host: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "## exosim (KVM): fuzz seed $seed, $count calls $*"
st=0
start=$(date +%s.%N)
"$exosim" --stats --kernel "$kernel" "$prog" "$seed" "$count" "$@" </dev/null >"$tmp/out" \
	2>"$tmp/err" || st=$?
end=$(date +%s.%N)
cat "$tmp/out"
grep 'exosim-stats: exits_total=' "$tmp/err" || true
echo "environments killed by the kernel: $(grep -c 'killed:' "$tmp/err" || true)"
grep -v -e 'killed:' -e 'exosim-stats' "$tmp/err" | head -5 || true
echo "wall time: $(echo "$end - $start" | bc) s, exit status $st"
[ "$st" = 0 ]
