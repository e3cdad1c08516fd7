#!/usr/bin/env bash
# stdin.sh: large and awkward input through exosim's stdin (the console input ring,
# include/exo/console.h), byte-exact against native Linux.
#
# usage: stdin.sh CASE VM EXOSIM KERNEL BUSYBOX
#   cat         5 MB + 123 random bytes through `cat`: nothing lost, nothing repeated,
#               the end in the middle of a batch
#   tr          the same through `tr a-z A-Z`
#   md5sum      the same through `md5sum` (a digest: stdout is one line)
#   head_c      `head -c 100000`, which exits with most of the input unread
#   read_lines  `sh` reading 3 lines with the `read` builtin, one byte per read(2),
#               then exiting
#   count_lines `sh` counting the lines of 100 KB with `read`, one byte per read(2)
#   batches     (exosim) 5 MB from a regular file: byte-exact, and one VM exit per
#               256 KiB ring, not per page: a kick (port 0x708, asynchronous input)
#               or a fill (0x704)
#   slow_writer (exosim) input in two parts 0.3 s apart: both arrive, in order
#   timeout     (exosim) stdin that never ends, --timeout 1: status 124 within 10 s
# The compared cases run compare.sh (VM native, exosim or qemu; QEMU skips input).
# Exit status: 0 pass, 1 fail, 77 skip.
set -u
case_=$1 vm=$2 exosim=$3 kernel=$4 bb=$5
here=$(cd "$(dirname "$0")" && pwd)
tmpbase=${COMPARE_TMP:-${TMPDIR:-/tmp}}
mkdir -p "$tmpbase"
tmp=$(mktemp -d "$tmpbase/stdin.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "stdin.sh $case_: FAIL: $*" >&2
	[ -s "$tmp/err" ] && sed 's/^/  stderr: /' "$tmp/err" | head -20 >&2
	exit 1
}

need_kvm() {
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "SKIP: /dev/kvm is missing or not accessible"
		exit 77
	fi
}

random_input() {
	head -c 5000123 /dev/urandom >"$tmp/in" || fail "cannot make the input"
}

text_input() { # lines of base64, ~$1 bytes
	head -c "$1" /dev/urandom | base64 >"$tmp/in" || fail "cannot make the input"
}

compare() {
	bash "$here/compare.sh" --vm "$vm" --exosim "$exosim" --kernel "$kernel" --timeout 120 \
		--stdin-file "$tmp/in" -- "$bb" "$@"
}

case $case_ in
cat) random_input && compare cat ;;
tr) random_input && compare tr a-z A-Z ;;
md5sum) random_input && compare md5sum ;;
head_c) random_input && compare head -c 100000 ;;
read_lines) text_input 1000000 && compare sh -c 'read -r a; read -r b; read -r c; echo "$c|$b|$a"' ;;
count_lines)
	text_input 100000
	compare sh -c 'n=0; while read -r l; do n=$((n + 1)); last=$l; done; echo "$n $last"'
	;;
batches)
	need_kvm
	random_input
	timeout -s KILL 120 "$exosim" --kernel "$kernel" --stats "$bb" cat <"$tmp/in" >"$tmp/out" \
		2>"$tmp/err" || fail "status $?"
	cmp "$tmp/in" "$tmp/out" || fail "the output differs from the input"
	fills=$(grep -oE 'out:0x704=[0-9]+' "$tmp/err" | cut -d= -f2)
	kicks=$(grep -oE 'out:0x708=[0-9]+' "$tmp/err" | cut -d= -f2)
	echo "fills: ${fills:-none}, kicks: ${kicks:-none} for $(wc -c <"$tmp/in") bytes"
	if [ -n "$kicks" ]; then
		# Asynchronous input: the attach, then a kick each time the readers empty
		# the 256 KiB ring that exosim stopped filling when it was full (19 of
		# them; each refills the ring in its exit), and one to read again after
		# the end.
		[ -z "$fills" ] || fail "$fills synchronous fills besides the asynchronous input"
		[ "$kicks" -ge 2 ] && [ "$kicks" -le 22 ] || fail "$kicks kicks, expected 2..22"
	else
		# 20 full rings, the last bytes and the end, which came in the last batch.
		[ "${fills:-0}" -ge 20 ] && [ "${fills:-0}" -le 22 ] ||
			fail "${fills:-no} fills, expected 20..22"
	fi
	;;
slow_writer)
	need_kvm
	(
		printf 'abc'
		sleep 0.3
		printf 'def\n'
	) | timeout -s KILL 60 "$exosim" --kernel "$kernel" "$bb" cat >"$tmp/out" 2>"$tmp/err" ||
		fail "status $?"
	[ "$(cat "$tmp/out")" = abcdef ] || fail "stdout '$(cat "$tmp/out")', expected 'abcdef'"
	;;
timeout)
	need_kvm
	start=$(date +%s)
	mkfifo "$tmp/fifo"
	sleep 30 >"$tmp/fifo" &
	writer=$!
	timeout -s KILL 20 "$exosim" --kernel "$kernel" --timeout 1 "$bb" cat <"$tmp/fifo" \
		>"$tmp/out" 2>"$tmp/err"
	st=$?
	kill "$writer" 2>/dev/null
	elapsed=$(($(date +%s) - start))
	[ "$st" = 124 ] || fail "status $st, expected 124"
	[ "$elapsed" -lt 10 ] || fail "took $elapsed s"
	grep -q "took more than 1 s" "$tmp/err" || fail "no timeout line on stderr"
	;;
*)
	echo "stdin.sh: unknown case $case_" >&2
	exit 2
	;;
esac
