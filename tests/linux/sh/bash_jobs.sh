# bash-static: traps on INT, TERM and EXIT, background jobs (wait, kill %1, kill $!) and
# a function in a pipeline; compared with the same script run natively.  No TERM trap
# is set while background jobs are killed (a child keeps it until it execs: a race).
count() { local n=0; while read -r _; do n=$((n + 1)); done; echo "$n lines"; }
printf 'a\nb\nc\n' | count
/bin/busybox sleep 30 &
p=$!
kill %1
wait $p # not `wait %1`: once bash has reaped the job, %1 names nothing
echo "killed with kill %1: $?"
/bin/busybox sleep 30 &
kill $!
wait $!
echo "killed with kill \$!: $?"
( exit 3 ) &
( exit 4 ) &
wait
echo "wait for all: $?"
trap 'echo "caught INT"' INT
trap 'echo "caught TERM"' TERM
trap 'echo "exit trap, status $?"' EXIT
kill -INT $$
kill -TERM $$
jobs=(one two)
echo "array after traps: ${jobs[*]}"
exit 5
