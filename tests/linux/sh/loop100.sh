# busybox sh: a loop of 100 external commands (fork + execve + wait each), the issue's
# `for i in $(seq 100); do /bin/true; done` (bench/suite.sh times the same loop).
n=0
for i in $(/bin/busybox seq 100); do /bin/busybox true && n=$((n + 1)); done
echo "loop: $i iterations, $n commands succeeded"
