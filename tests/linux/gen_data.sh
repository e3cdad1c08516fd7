#!/bin/sh
# gen_data.sh KIND FILE: writes a generated test input (too big to keep in data/), the
# same bytes on every machine.
#   sort30m   30 MB of lines "<10 pseudo-random digits> line <n>" in no order, for
#             busybox sort (a fixed linear congruential generator, not $RANDOM)
#   stdin5m   5 MB of 63-character lines, for busybox wc -lc on stdin
set -eu
kind=${1:?usage: gen_data.sh sort30m|stdin5m FILE}
file=${2:?usage: gen_data.sh sort30m|stdin5m FILE}
tmp=$file.tmp.$$
case $kind in
sort30m)
	awk 'BEGIN {
		x = 12345
		for (i = 0; size < 30000000; i++) {
			x = (x * 69069 + 1) % 4294967296 # exact in a double
			line = sprintf("%010.0f line %d", x, i)
			print line
			size += length(line) + 1
		}
	}' >"$tmp"
	;;
stdin5m)
	head -c 5000000 </dev/zero | tr '\0' 'x' | fold -w 63 >"$tmp"
	;;
*)
	echo "gen_data.sh: unknown kind $kind" >&2
	exit 2
	;;
esac
mv "$tmp" "$file"
