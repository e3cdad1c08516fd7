#!/usr/bin/env bash
# fuzz_devices.sh [BUILD_DIR] [COUNT] [SEED]: the long form of the host-side fuzz tests
# (the test suite runs the short form): exosim's virtqueue parser and its virtio-blk
# device fed COUNT random and adversarial rounds each (default 10^7 and 10^6) under the
# sanitizer build's ASan/UBSan (BUILD_DIR default build-test: `./build.sh test` makes it).
# A different SEED explores other inputs; a failure prints the seed to replay.
set -eu
build=${1:-build-test}
count=${2:-}
seed=${3:-$(date +%s)}
bin=$build/tests/unit/unit_tests
[ -x "$bin" ] || { echo "fuzz_devices.sh: $bin not found (./build.sh test first)" >&2; exit 1; }
status=0
for spec in virtqueue:10000000 virtio_blk:1000000; do
	suite=${spec%%:*}
	n=${count:-${spec#*:}}
	echo "## $suite: $n rounds, seed $seed"
	start=$(date +%s)
	if ! EXO_FUZZ_COUNT=$n EXO_FUZZ_SEED=$seed CK_RUN_SUITE=$suite CK_RUN_CASE=fuzz \
		CK_TIMEOUT_MULTIPLIER=50 "$bin"; then
		echo "fuzz_devices.sh: $suite FAILED with EXO_FUZZ_SEED=$seed" >&2
		status=1
	fi
	echo "$suite: $(($(date +%s) - start)) s"
done
exit $status
