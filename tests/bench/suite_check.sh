#!/usr/bin/env bash
# suite_check.sh SUITE BUILD: bench/suite.sh --quick on two benchmarks (plus the PCT
# and boot rows it always runs) into a scratch directory; checks the exit status, that
# the CSV has a good row for each side, the Markdown table has its rows, and the plot
# exists when gnuplot is installed.  Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm).
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
[ "$(head -1 "$csv")" = "bench,mode,status,median_ns,min_ns,max_ns,runs,ops_per_run,vm_exits_per_op,kernel_crossings_per_op,upcalls_per_op,note" ] ||
	fail "the CSV header changed"
for want in nullproc,native,ok nullproc,exosim,ok kcall,exosim,ok pct,exosim,ok yield,exosim,ok \
	boot,native,ok boot,exosim,ok boot_exos,exosim,ok; do
	grep -q "^$want," "$csv" || fail "no '$want' row in the CSV"
done
grep -q '^kcall,native,n/a,' "$csv" || fail "kcall natively should be n/a"
grep -q '^| null procedure call (control) | [0-9.]* ns .* | [0-9.]*× |' "$out/stdout" ||
	fail "no table row with a ratio for the null procedure call"
head -n "$(wc -l <"$out/results.md")" "$out/stdout" | cmp -s - "$out/results.md" ||
	fail "results.md is not the table that was printed"
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
