#!/usr/bin/env bash
# bpf_fuzz.sh BUILD_DIR [COUNT] [SEED]: the long form of unit.bpf's fuzz: COUNT random
# and mutated eBPF programs (default 10^8) through the verifier, each accepted one run on
# random packets of exact sizes, then the time taken. Use the sanitizer build
# (./build.sh test makes build-test) so that any read outside a packet or the stack
# aborts. Exits non-zero if the fuzz found anything.
set -eu

build=${1:?usage: bpf_fuzz.sh BUILD_DIR [COUNT] [SEED]}
count=${2:-100000000}
seed=${3:-1}
tests=$build/tests/unit/unit_tests
[ -x "$tests" ] || { echo "bpf_fuzz.sh: $tests not found (build first)" >&2; exit 1; }
grep -q asan "$tests" 2>/dev/null ||
	echo "bpf_fuzz.sh: note: $tests is not built with ASan (use build-test)" >&2

echo "Host: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "## eBPF verifier fuzz: $count programs, seed $seed"
start=$(date +%s.%N)
st=0
CK_FORK=no CK_RUN_SUITE=bpf CK_RUN_CASE=fuzz CK_DEFAULT_TIMEOUT=0 BPF_FUZZ_COUNT=$count \
	BPF_FUZZ_SEED=$seed "$tests" || st=$?
end=$(date +%s.%N)
echo "wall time: $(echo "$end - $start" | bc) s, exit status $st"
[ "$st" = 0 ]
