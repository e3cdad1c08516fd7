#!/usr/bin/env bash
# ring0_profile_check.sh BUILD_DIR: bench/ring0_profile.sh profiles a boot of
# apps/hello.elf under QEMU: every function of the kernel's boot path it must pass
# through has a row with a count, and all the rows (-n 100000) add up to the run's ring-0
# total that the plugin reports on its first line.
set -eu
build=$1
script=$(dirname "$0")/../../bench/ring0_profile.sh
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: no QEMU"; exit 77; }
[ -e "$build/bench/insn_count.so" ] || { echo "SKIP: the QEMU plugin was not built"; exit 77; }
out=$(mktemp "${TMPDIR:-/tmp}/ring0_profile_check.XXXXXX")
trap 'rm -f "$out"' EXIT
bash "$script" -n 100000 "$build" "$build/apps/hello.elf" >"$out"
head -n 8 "$out"
for f in kmain cmdline_scan pmem_init load_program map_run; do
	grep -Eq "^\| $f \| [1-9][0-9]* \|" "$out" || { echo "FAIL: no count for $f"; exit 1; }
done
want=$(sed -n '1s/.* ring0=\([0-9]*\).*/\1/p' "$out")
got=$(awk -F'|' '$3 ~ /^ [0-9]+ $/ { s += $3 } END { print s }' "$out")
[ -n "$want" ] && [ "$got" = "$want" ] || { echo "FAIL: the rows add up to $got, ring0=$want"; exit 1; }
echo PASS
