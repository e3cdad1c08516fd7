# busybox sh: xargs running an external command (vfork + execve), a loop of
# external commands; compared with the same script run natively.
printf 'data/hello.txt\ndata/numbers.txt\n' | /bin/busybox xargs /bin/busybox wc -l
i=0
while [ $i -lt 3 ]; do /bin/busybox true; i=$((i + 1)); done
echo "loop: $i"
