# busybox sh: one /tmp for every process, and redirections shared with children
# (issue 14).  Run as `busybox sh sh/shared_tmp.sh` natively and under exosim;
# compare.sh requires the same output and status.
d=$(mktemp -d)
for i in 1 2 3; do /bin/busybox echo "line $i"; done > "$d/loop"
/bin/busybox cat "$d/loop"
{ echo "from the shell"; /bin/busybox echo "from a child"; echo "the shell again"; } > "$d/mixed"
/bin/busybox cat "$d/mixed"
/bin/busybox sh -c "echo made by a child > $d/child"
read -r line < "$d/child"
echo "the parent reads: $line"
( /bin/busybox mv "$d/child" "$d/moved" )
[ -e "$d/child" ] || echo "moved away by a subshell's child"
/bin/busybox wc -l < "$d/loop"
/bin/busybox rm -r "$d"
[ -d "$d" ] || echo "removed"
