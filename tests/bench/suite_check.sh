#!/usr/bin/env bash
# suite_check.sh SUITE BUILD: bench/suite.sh --quick on two benchmarks (plus the PCT,
# boot, stdin, disk and network rows it always runs) into a scratch directory; checks
# the exit status, that the CSV has a good row for each side, the Markdown table has its rows, the plot
# exists when gnuplot is installed, and, when QEMU is installed, that the instruction
# counts say what the benchmarks are: no ring-0 instruction in the null procedure call,
# some in the exokernel's null call and in every boot.
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm).
set -u
suite=$1 build=$2
if ! { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then
	echo "SKIP: no usable /dev/kvm"
	exit 77
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/suite_check.XXXXXX")
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

BENCH_ONLY="nullproc kcall" bash "$suite" --quick --build "$build" --out "$out" >"$out/stdout" 2>"$out/stderr"
st=$?
cat "$out/stdout" "$out/stderr"
[ "$st" = 0 ] || fail "suite.sh exited $st"
csv=$out/results.csv
[ "$(head -1 "$csv")" = "bench,mode,status,median_ns,min_ns,max_ns,runs,ops_per_run,vm_exits_per_op,kernel_crossings_per_op,upcalls_per_op,qemu_ring0_insns_per_op,qemu_insns_per_op,note" ] ||
	fail "the CSV header changed"
for want in nullproc,native,ok nullproc,exosim,ok kcall,exosim,ok pct,exosim,ok yield,exosim,ok \
	boot,native,ok boot,exosim,ok boot_exos,exosim,ok boot_busybox,native,ok boot_busybox,exosim,ok \
	boot_bash,native,ok boot_bash,exosim,ok stdin,native,ok stdin,exosim,ok stdin_read,native,ok \
	stdin_read,exosim,ok; do
	grep -q "^$want," "$csv" || fail "no '$want' row in the CSV"
done
# The device rows (bench/disk.sh, bench/net.sh): both sides; the disk's are n/a without fio.
disk_status=ok
command -v fio >/dev/null 2>&1 || disk_status=n/a
for want in disk_seqread disk_seqwrite disk_randread; do
	for m in native exosim; do
		grep -q "^$want,$m,$disk_status," "$csv" || fail "no '$want,$m,$disk_status' row in the CSV"
	done
done
for want in net_rtt,native,ok net_rtt,exosim,ok net_frame,native,ok net_frame,exosim,ok; do
	grep -q "^$want," "$csv" || fail "no '$want' row in the CSV"
done
grep -q '^| disk: random 4 KiB reads x 32 in flight (per request) |' "$out/stdout" ||
	fail "no table row for the disk's random reads"
grep -q '^kcall,native,n/a,' "$csv" || fail "kcall natively should be n/a"
grep -q '^| null procedure call (control) | [0-9.]* ns .* | [0-9.]*× |' "$out/stdout" ||
	fail "no table row with a ratio for the null procedure call"
head -n "$(wc -l <"$out/results.md")" "$out/stdout" | cmp -s - "$out/results.md" ||
	fail "results.md is not the table that was printed"
# field F of the CSV row for BENCH,MODE
field() { awk -F, -v b="$1" -v m="$2" -v f="$3" '$1 == b && $2 == m { print $f }' "$csv"; }
if command -v qemu-system-x86_64 >/dev/null 2>&1 && [ -e "$build/bench/insn_count.so" ]; then
	# columns 12 and 13: ring-0 and total instructions per operation under QEMU
	[ "$(field nullproc exosim 12)" = 0.0 ] ||
		fail "the null procedure call should run no ring-0 instruction, not '$(field nullproc exosim 12)'"
	awk -v t="$(field nullproc exosim 13)" 'BEGIN { exit !(t >= 2 && t < 100) }' ||
		fail "the null procedure call should be a few instructions, not '$(field nullproc exosim 13)'"
	for b in kcall boot boot_busybox boot_bash; do
		awk -v r="$(field $b exosim 12)" -v t="$(field $b exosim 13)" 'BEGIN { exit !(r >= 1 && t > r) }' ||
			fail "$b should count ring-0 instructions and more in all: '$(field $b exosim 12)' / '$(field $b exosim 13)'"
	done
	grep -q '^| exokernel null call .* | [0-9.]* / [0-9.]* |$' "$out/stdout" ||
		fail "no instruction column in the null call's row"
else
	echo "note: QEMU or the plugin missing: instruction counts not checked"
fi
if command -v gnuplot >/dev/null 2>&1; then
	grep -q 'PNG' "$out/ratios.png" 2>/dev/null || fail "no plot (ratios.png)"
fi

# A benchmark that fails is reported, the others still run, and the status says so.  A
# build directory without exosim stands for a machine without KVM: native figures only.
mkdir -p "$out/nokvm/bench"
cp "$build/bench/exobench" "$build/bench/hello" "$out/nokvm/bench/"
BENCH_ONLY="nullproc no-such-bench" bash "$suite" --quick --build "$out/nokvm" --out "$out/r2" \
	>"$out/stdout2" 2>"$out/stderr2"
st=$?
cat "$out/stdout2" "$out/stderr2"
[ "$st" = 1 ] || fail "a failed benchmark should make suite.sh exit 1, not $st"
grep -q '^nullproc,native,ok,' "$out/r2/results.csv" || fail "the good benchmark did not run"
grep -q '^no-such-bench,native,failed,' "$out/r2/results.csv" || fail "the failure is not in the CSV"
grep -q '^- native:no-such-bench: status 2' "$out/stdout2" || fail "the failure is not reported"
grep -q '^| null procedure call (control) | [0-9.]* ns .* | not run |' "$out/stdout2" ||
	fail "without exosim the exosim column should say 'not run'"
echo PASS
