#!/usr/bin/env bash
# exobench_check.sh EXOSIM EXOBENCH MODE BENCH [KEY=VALUE...]: runs one benchmark of
# bench/progs/exobench.c briefly (2 runs of ~1 ms) natively (MODE native) or under
# exosim (MODE exosim or exosim-norewrite), and checks what it reports.  exobench checks
# the behaviour itself (every fault reached the handler, the matrix product is right, a
# pipe byte came back); this checks its exit status and its CSV row, and that the
# kernel's counters say what the benchmark claims: KEY=VALUE pairs name columns that
# must equal VALUE (crossings_per_op=1.000 for the null call, 0.000 for a rewritten
# getpid, ...).  status=N expects exit status N instead of 0 (3: not available there).
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm).
set -u
exosim=$1 exobench=$2 mode=$3 bench=$4
shift 4
want_status=0
checks=()
for kv in "$@"; do
	case $kv in
	status=*) want_status=${kv#status=} ;;
	*) checks+=("$kv") ;;
	esac
done
case $mode in
native) cmd=("$exobench") ;;
exosim) cmd=("$exosim" --timeout 120 "$exobench") ;;
exosim-norewrite) cmd=("$exosim" --timeout 120 --no-rewrite "$exobench") ;;
*) echo "exobench_check.sh: bad mode $mode" >&2; exit 2 ;;
esac
if [ "$mode" != native ] && ! { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then
	echo "SKIP: no usable /dev/kvm"
	exit 77
fi
out=$("${cmd[@]}" --runs 2 --target-ms 1 "$bench" 2>&1 </dev/null)
st=$?
echo "$out"
if [ "$st" != "$want_status" ]; then
	echo "FAIL: exit status $st, expected $want_status"
	exit 1
fi
[ "$want_status" = 0 ] || exit 0
header=$(grep '^bench,' <<<"$out")
row=$(grep "^$bench," <<<"$out")
if [ -z "$header" ] || [ -z "$row" ]; then
	echo "FAIL: no CSV row for $bench"
	exit 1
fi
IFS=, read -r -a names <<<"$header"
IFS=, read -r -a values <<<"$row,"
declare -A col
for i in "${!names[@]}"; do col[${names[$i]}]=${values[$i]:-}; done
if [ "$bench" != none ] && ! awk -v m="${col[median_ns]}" 'BEGIN { exit !(m > 0) }'; then
	echo "FAIL: median_ns '${col[median_ns]}' is not a positive time"
	exit 1
fi
for kv in ${checks[@]+"${checks[@]}"}; do
	k=${kv%%=*} v=${kv#*=}
	if [ "${col[$k]-MISSING}" != "$v" ]; then
		echo "FAIL: $k is '${col[$k]-MISSING}', expected '$v'"
		exit 1
	fi
done
echo "PASS"
