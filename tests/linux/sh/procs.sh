# busybox sh over ExOS processes (issue 14): run as `busybox sh sh/procs.sh`
# natively and under exosim; compare.sh requires the same output and status.
trap 'echo "trap on exit, status $?"' EXIT
echo "pipeline: $(echo hello world | /bin/busybox tr a-z A-Z | /bin/busybox rev)"
( echo "in a subshell"; exit 3 )
echo "subshell status $?"
for w in one two; do /bin/busybox echo "external $w"; done
/bin/busybox false | /bin/busybox true
echo "status through a pipe $?"
/bin/busybox sh -c 'exit 7'
echo "sh -c status $?"
/bin/busybox sh -c 'exit 5' &
wait $!
echo "background job status $?"
trap 'echo "got USR1"' USR1
kill -USR1 $$
/bin/busybox wc -l < data/numbers.txt
exit 4
