#!/usr/bin/env bash
# boot_phases_check.sh BUILD_DIR: bench/boot_phases.sh gives a row for every phase of a
# native program's boot (apps/hello.elf) and of a Linux program's (busybox true, with
# ExOS's `program` phase), with a figure from exosim and, where QEMU is installed, an
# instruction count; the kernel phases add up to no more than the total.
set -eu
build=$1
script=$(dirname "$0")/../../bench/boot_phases.sh
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no /dev/kvm"; exit 77; }
out=$(mktemp "${TMPDIR:-/tmp}/boot_phases_check.XXXXXX")
trap 'rm -f "$out"' EXIT
have_qemu=0
command -v qemu-system-x86_64 >/dev/null && [ -e "$build/bench/insn_count.so" ] && have_qemu=1

check() {
	local want=$1
	shift
	bash "$script" -n 1 "$build" "$@" >"$out"
	cat "$out"
	for p in $want; do
		row=$(grep "^| $p |" "$out") || { echo "FAIL: no row for $p"; exit 1; }
		ms=$(echo "$row" | cut -d'|' -f3 | tr -d ' ')
		insns=$(echo "$row" | cut -d'|' -f4 | tr -d ' ')
		echo "$ms" | grep -Eq '^[0-9]+\.[0-9]{2}$' || { echo "FAIL: $p: ms '$ms'"; exit 1; }
		if [ "$have_qemu" = 1 ] && ! echo "setup teardown wall entry" | grep -qw "$p"; then
			echo "$insns" | grep -Eq '^[0-9]+$' || { echo "FAIL: $p: instructions '$insns'"; exit 1; }
		fi
	done
	awk -F'|' '$2 ~ /^ (entry|cmdline|cpu|memory|tables|lapic|env|load|start|args|program|run) $/ { s += $3 }
		$2 == " total " { t = $3 }
		END { if (s > t + 0.05 || s < t - 0.05 * t - 0.1) { print "FAIL: phases sum to " s " ms, total " t; exit 1 } }' "$out"
}

kernel="setup entry cmdline cpu memory tables lapic env load start args run teardown total wall"
check "$kernel" "$build/apps/hello.elf"
busybox=/bin/busybox
if [ -x "$busybox" ]; then
	check "$kernel program" "$busybox" true
else
	echo "busybox not installed: the Linux program's phases not checked"
fi
echo PASS
