#!/usr/bin/env bash
# ring0_profile.sh [-n TOP] BUILD_DIR PROGRAM [ARGS...]: which kernel functions the
# ring-0 instructions of one boot-to-exit of PROGRAM go to, under QEMU TCG with the
# plugin bench/insn_count.so (profile=): a Markdown table of the TOP functions (default
# 25) by instructions, with their share of ring 0.  On KVM on PVM every one of them is
# emulated (~0.3-2 µs each), so this is where a boot's kernel time goes; QEMU's own
# paths differ from exosim's in places (no paravirtual console: the kernel clears fresh
# pages itself, fill64 and scrub_ranges; a `rep` string instruction counts once per
# iteration).  Exit status: 0; 1 if the run failed; 2 bad usage or missing tools.
set -euo pipefail

top=25
if [ "${1:-}" = -n ]; then
	top=$2
	shift 2
fi
[ $# -ge 2 ] || { echo "usage: ring0_profile.sh [-n TOP] BUILD_DIR PROGRAM [ARGS...]" >&2; exit 2; }
build=$1
shift
plugin=$build/bench/insn_count.so
for f in "$build/exosim" "$build/kernel.elf" "$plugin"; do
	[ -e "$f" ] || { echo "ring0_profile.sh: $f not found (build first)" >&2; exit 2; }
done
command -v qemu-system-x86_64 >/dev/null && command -v nm >/dev/null ||
	{ echo "ring0_profile.sh: needs qemu-system-x86_64 and nm" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ring0_profile.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$build/exosim" --pack "$tmp/a.cpio" "$@"
st=0
EXO_QEMU_MEM=128M EXO_QEMU_OPTS="-icount shift=0 -plugin $plugin,out=$tmp/count,profile=$tmp/prof" \
	timeout 600 "$here/../scripts/qemu-boot.sh" "$build/kernel.elf" "$tmp/a.cpio" "$tmp/err" \
	exosim.tsc_khz=1000000 </dev/null >/dev/null 2>&1 || st=$?
# QEMU exits (status << 1) | 1: 1 is the program's 0
[ "$st" = 1 ] && [ -s "$tmp/prof" ] ||
	{ echo "ring0_profile.sh: the QEMU run failed (status $st)" >&2; cat "$tmp/err" >&2; exit 1; }

echo "Program: $*; $(cat "$tmp/count")"
echo
echo "| kernel function | ring-0 instructions | share |"
echo "|---|---|---|"
# Each address goes to the function symbol at or below it (nm -n: by address).
nm -n --defined-only "$build/kernel.elf" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' >"$tmp/syms"
awk 'NR == FNR { addr[NR] = $1; name[NR] = $2; n = NR; next }
	{
		a = sprintf("%016s", $1); gsub(/ /, "0", a)
		while (i < n && sprintf("%016s", addr[i + 1]) <= a) i++
		f = i ? name[i] : "?"
		sum[f] += $2; all += $2
	}
	END { for (f in sum) printf "%s %d %.1f\n", f, sum[f], 100 * sum[f] / all }' \
	"$tmp/syms" <(sort "$tmp/prof") | sort -k2,2nr | head -n "$top" |
	awk '{ printf "| %s | %d | %.1f%% |\n", $1, $2, $3 }'
