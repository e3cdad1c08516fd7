# busybox sh: signals, traps and job control over ExOS processes (issue 14), run as
# `busybox sh sh/jobs.sh` natively and under exosim; compare.sh requires the same output
# and status.  No trap is set for TERM before the background jobs are killed: a child
# keeps its parent's traps until it execs, so the kill would race with the exec.
echo "a b c d" | /bin/busybox tr ' ' '\n' | /bin/busybox sort -r | /bin/busybox head -3
/bin/busybox false | /bin/busybox true
echo "status through a pipe: $?"
set -o pipefail
/bin/busybox false | /bin/busybox true
echo "with pipefail: $?"
set +o pipefail
echo "from \$(...): $(/bin/busybox echo inner | /bin/busybox tr a-z A-Z)"

# The shell's "Terminated" reports of the killed jobs below come at times that vary
# natively too (2 or 3 lines): they go to /dev/null, the statuses are compared.
exec 3>&2 2>/dev/null
# timeout kills the command it runs (busybox: with SIGTERM, status 143)
/bin/busybox timeout 1 /bin/busybox sleep 5
echo "timeout: $?"

# a background job spinning in its own code, killed with kill $! (it spins by the
# time sleep is done; killed earlier, it would end the same)
/bin/busybox sh -c 'while :; do :; done' &
spinner=$!
/bin/busybox sleep 1
kill $spinner
wait $spinner
echo "spinner: $?"

# what ps and /proc say of a sleeping background job, then kill %1
/bin/busybox sleep 30 &
p=$!
/bin/busybox ps -o pid,comm | /bin/busybox awk -v p=$p '$1 == p { print "ps: " $2 }'
echo "comm: $(/bin/busybox cat /proc/$p/comm)"
echo "our cmdline, read by another process: $(/bin/busybox tr '\0' ' ' < /proc/$$/cmdline)"
kill %1
wait $p
echo "sleeper: $?"
exec 2>&3 3>&-

# wait for several background jobs
( exit 3 ) &
a=$!
( exit 4 ) &
b=$!
wait $a
echo "first job: $?"
wait $b
echo "second job: $?"
/bin/busybox sh -c 'exit 5' &
wait
echo "wait for all: $?"

# traps
trap 'echo "caught INT"' INT
trap 'echo "caught TERM"' TERM
kill -INT $$
kill -TERM $$
( trap 'echo "subshell exit trap"' EXIT; exit 2 )
echo "subshell: $?"
trap 'echo "exit trap, status $?"' EXIT
exit 6
