#!/usr/bin/env bash
# net.sh [BUILD_DIR] [RTT_N] [STREAM_N]: frames through exosim's --net socket backend
# between two exosims (tests/guest/net.elf rtt/echo and stream/sink, 60-byte frames),
# side by side with two native processes on a Unix SOCK_SEQPACKET socket
# (bench/native/seqpacket_frames.c), in one run.  Prints the round-trip time (also with an
# environment spinning beside each side: the wake-up must take the CPU), frames per
# second, and exosim's --stats per frame: exits, interrupts, notifications.  With
# BENCH_RECORDS=FILE the round trip and the time per frame received are also appended to
# FILE as "net_rtt|net_frame MODE MEDIAN_NS MIN_NS MAX_NS RUNS EXITS CROSSINGS" (`-`
# where there is no figure): bench/suite.sh puts them in its table.  Needs /dev/kvm.
# Exit status 0, 1 if a run failed.
set -uo pipefail
build=${1:-build}
rtt_n=${2:-1000}
stream_n=${3:-5000}
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "net.sh: needs /dev/kvm" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-net.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
net=$build/tests/guest/net.elf
pair() { # a-mode b-mode N [OPTION]: a (listen) runs a-mode, b (connect) b-mode
	timeout -s KILL 300 "$build/exosim" --stats --net socket,listen="$tmp/l" \
		--mac 52:54:00:00:00:0a "$net" "$1" "$3" ${4:-} >"$tmp/a" 2>&1 &
	for _ in $(seq 100); do [ -S "$tmp/l" ] && break; sleep 0.1; done
	timeout -s KILL 300 "$build/exosim" --stats --net socket,connect="$tmp/l" \
		--mac 52:54:00:00:00:0b "$net" "$2" "$3" ${4:-} >"$tmp/b" 2>&1
	wait
	rm -f "$tmp/l"
}
per() { # file field frames: the device's counter per frame
	awk -v f="$2" -v n="$3" '/device net0/ { for (i = 1; i <= NF; i++) { split($i, kv, "=");
		if (kv[1] == f) printf "%.2f", kv[2] / n } }' "$1"
}
exits() { awk -v n="$2" -F'[ =]' '/exits_total=/ { printf "%.2f", $3 / n }' "$1"; }
record() { # NAME MODE MEDIAN MIN MAX RUNS EXITS CROSSINGS, if there is a median
	[ -n "${BENCH_RECORDS:-}" ] && [ -n "$3" ] && echo "$*" >>"$BENCH_RECORDS"
	return 0
}
fail=0
echo "| measure | exosim (two VMs, --net socket) | native (two processes, SOCK_SEQPACKET) |"
echo "|---|---|---|"
pair echo rtt "$rtt_n"
r=$(grep -o 'median_ns=[0-9]*' "$tmp/b" | cut -d= -f2)
rmin=$(grep -o 'min_ns=[0-9]*' "$tmp/b" | cut -d= -f2)
rx=$(exits "$tmp/b" "$rtt_n")
"$build/bench/seqpacket_frames" rtt "$rtt_n" >"$tmp/n"
nat=$(grep -o 'median_ns=[0-9]*' "$tmp/n" | cut -d= -f2)
nmin=$(grep -o 'min_ns=[0-9]*' "$tmp/n" | cut -d= -f2)
[ -n "$r" ] || { fail=1; cat "$tmp/a" "$tmp/b" >&2; }
echo "| round trip, median (µs) | $(awk -v x="${r:-0}" 'BEGIN{printf "%.1f", x/1000}') | $(awk -v x="${nat:-0}" 'BEGIN{printf "%.1f", x/1000}') |"
echo "| per round trip: exits / interrupts / notifications (one VM) | $rx / $(per "$tmp/b" interrupts "$rtt_n") / $(per "$tmp/b" notifications "$rtt_n") | |"
pair echo rtt "$rtt_n" -b # a second environment spinning on each side
rb=$(grep -o 'median_ns=[0-9]*' "$tmp/b" | cut -d= -f2)
[ -n "$rb" ] || { fail=1; cat "$tmp/a" "$tmp/b" >&2; }
echo "| round trip, median, an environment spinning beside each (µs) | $(awk -v x="${rb:-0}" 'BEGIN{printf "%.1f", x/1000}') | |"
pair sink stream "$stream_n"
f=$(grep -o 'sink frames=.*' "$tmp/a")
fps=$(grep -o ' fps=[0-9]*' <<<"$f" | cut -d= -f2)
got=$(grep -o 'frames=[0-9]*' <<<"$f" | head -1 | cut -d= -f2)
drop=$(grep -o 'dropped=[0-9]*' <<<"$f" | cut -d= -f2)
nfps=$("$build/bench/seqpacket_frames" stream "$stream_n" | grep -o 'fps=[0-9]*' | cut -d= -f2)
[ -n "$fps" ] || { fail=1; cat "$tmp/a" "$tmp/b" >&2; }
record net_rtt exosim "${r:-}" "${rmin:--}" - "$rtt_n" "$rx" -
record net_rtt native "${nat:-}" "${nmin:--}" - "$rtt_n" - -
per_frame() { [ -n "$1" ] && [ "$1" -gt 0 ] && awk -v f="$1" 'BEGIN { printf "%.0f", 1e9 / f }'; }
echo "| stream: frames per second at the receiver | ${fps:-?} (${got:-?} of $stream_n received, ${drop:-?} dropped: ring full) | ${nfps:-?} |"
echo "| per frame received: exits / interrupts (receiver) | $(exits "$tmp/a" "${got:-1}") / $(per "$tmp/a" interrupts "${got:-1}") | |"
record net_frame exosim "$(per_frame "${fps:-}")" - - "${got:-0}" "$(exits "$tmp/a" "${got:-1}")" -
record net_frame native "$(per_frame "${nfps:-}")" - - "$stream_n" - -
echo "| per frame sent: exits / notifications (sender) | $(exits "$tmp/b" "$stream_n") / $(per "$tmp/b" notifications "$stream_n") | |"
exit $fail
