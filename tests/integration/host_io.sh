#!/usr/bin/env bash
# host_io.sh: exosim's host files and streams: it never blocks on them past --timeout,
# and a failed write to its stdout reaches the guest program.
#
# usage: host_io.sh CASE EXOSIM KERNEL SPEW
#   fifo_program     a FIFO as PROGRAM: refused at once, one line, status 122
#   fifo_initrd      a FIFO as --initrd: the same
#   fifo_kernel      a FIFO as --kernel: the same (needs /dev/kvm)
#   dir_program      a directory as PROGRAM: the same
#   pack_fifo        --pack to a FIFO nobody opens, --timeout 1: status 124 within 5 s
#   stdout_full      stdout a pipe nobody reads, --timeout 2: status 124 within 6 s
#   stdout_nonblock  the same with stdout made O_NONBLOCK by whoever shared it
#   stdout_enospc    stdout is /dev/full: the program's console write gets -ENOSPC (28)
#   stdout_epipe     stdout is a pipe whose reader quits: the write gets -EPIPE (32)
# SPEW (tests/guest/spew.elf) writes to stdout until a write fails.
# Exit status: 0 pass, 1 fail, 77 skip.
set -u
case_=$1 exosim=$2 kernel=$3 spew=$4

tmp=$(mktemp -d "${TMPDIR:-/tmp}/host_io.XXXXXX") || exit 1
reader=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	if [ -n "$reader" ]; then kill "$reader" 2>/dev/null; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "host_io.sh $case_: FAIL: $*" >&2
	[ -s "$tmp/err" ] && sed 's/^/  stderr: /' "$tmp/err" >&2
	exit 1
}

need_kvm() {
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "host_io.sh: no usable /dev/kvm; skipping"
		exit 77
	fi
}

# Runs exosim ARGS... (through ${wrap[@]}, if set) under a hard 15 s kill,
# recording its status and how long it took.
wrap=()
run() {
	local start end
	start=$(date +%s%N)
	timeout -s KILL 15 "${wrap[@]}" "$exosim" "$@" 2>"$tmp/err"
	status=$?
	end=$(date +%s%N)
	elapsed_ms=$(((end - start) / 1000000))
}

# The refusal: status 122, exactly one line naming the file, fast.
expect_refused() {
	local what=$1
	[ "$status" = 122 ] || fail "status $status, expected 122 (137: exosim blocked)"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "stderr is not one line"
	grep -q "$what, not a regular file" "$tmp/err" || fail "stderr does not say '$what'"
	[ "$elapsed_ms" -lt 5000 ] || fail "took $elapsed_ms ms"
}

# stdout is a FIFO whose reader never reads; exosim must stop at its deadline.
expect_timeout_with_stuck_stdout() {
	mkfifo "$tmp/out"
	# A reader that holds the FIFO open and never reads it.
	# shellcheck disable=SC2217
	sleep 60 <"$tmp/out" &
	reader=$!
	run --kernel "$kernel" --timeout 2 "$@" >"$tmp/out"
	[ "$status" = 124 ] || fail "status $status, expected 124 (137: exosim blocked)"
	grep -q "timeout" "$tmp/err" || fail "no timeout line"
	[ "$elapsed_ms" -lt 6000 ] || fail "took $elapsed_ms ms for a 2 s timeout"
	echo "host_io.sh $case_: status 124 after $elapsed_ms ms"
}

case "$case_" in
fifo_program)
	mkfifo "$tmp/prog"
	run --kernel "$kernel" "$tmp/prog"
	expect_refused "a FIFO"
	;;
fifo_initrd)
	mkfifo "$tmp/initrd"
	run --kernel "$kernel" --initrd "$tmp/initrd"
	expect_refused "a FIFO"
	;;
fifo_kernel)
	need_kvm
	mkfifo "$tmp/kernel"
	run --kernel "$tmp/kernel" "$spew"
	expect_refused "a FIFO"
	;;
dir_program)
	run --kernel "$kernel" "$tmp"
	expect_refused "a directory"
	;;
pack_fifo)
	mkfifo "$tmp/pack"
	run --kernel "$kernel" --timeout 1 --pack "$tmp/pack" "$spew"
	[ "$status" = 124 ] || fail "status $status, expected 124 (137: exosim blocked)"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "stderr is not one line"
	grep -q "timeout" "$tmp/err" || fail "no timeout line"
	[ "$elapsed_ms" -lt 5000 ] || fail "took $elapsed_ms ms for a 1 s timeout"
	;;
stdout_full)
	need_kvm
	expect_timeout_with_stuck_stdout "$spew"
	;;
stdout_nonblock)
	need_kvm
	command -v python3 >/dev/null || {
		echo "host_io.sh: no python3; skipping"
		exit 77
	}
	# python3 sets O_NONBLOCK on the shared stdout, then becomes exosim.
	wrap=(python3 -c 'import fcntl, os, sys
fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK)
os.execv(sys.argv[1], sys.argv[1:])')
	expect_timeout_with_stuck_stdout "$spew"
	;;
stdout_enospc)
	need_kvm
	run --kernel "$kernel" "$spew" >/dev/full
	[ "$status" = 28 ] || fail "status $status, expected 28 (spew's ENOSPC)"
	grep -q "^spew: write 0 failed: -28$" "$tmp/err" || fail "spew did not see -ENOSPC"
	;;
stdout_epipe)
	need_kvm
	timeout -s KILL 15 "$exosim" --kernel "$kernel" "$spew" 2>"$tmp/err" | head -c 1 >/dev/null
	status=${PIPESTATUS[0]}
	[ "$status" = 32 ] || fail "status $status, expected 32 (spew's EPIPE; 137: blocked)"
	grep -q "^spew: write [0-9]* failed: -32$" "$tmp/err" || fail "spew did not see -EPIPE"
	;;
*)
	echo "host_io.sh: unknown case $case_" >&2
	exit 2
	;;
esac
exit 0
