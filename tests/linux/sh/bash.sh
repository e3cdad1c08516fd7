# bash-static over ExOS processes (issue 14): functions, arrays, external commands,
# $(...), a pipeline and a subshell; compared with the same script run natively.
greet() { local who=$1; echo "hello, $who"; return 3; }
greet world
echo "function status $?"
fruits=(apple banana cherry)
echo "array: ${#fruits[@]} items, second ${fruits[1]}"
for f in "${fruits[@]}"; do printf '%s\n' "$f"; done | /bin/busybox sort -r | /bin/busybox head -2
n=$(/bin/busybox wc -l < data/numbers.txt)
echo "lines: $n"
( exit 9 ); echo "subshell $?"
declare -A count=([a]=1 [b]=2)
echo "assoc: ${count[b]}"
exit 2
