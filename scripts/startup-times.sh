#!/usr/bin/env bash
# startup-times.sh [-n RUNS] BUILD_DIR...: boot-to-exit wall time under exosim of
# the start-up probes of issue 13 (busybox true, a static musl hello, a static
# glibc hello, bash -c true), RUNS times each (default 11), as a Markdown table of
# the median, min and max in ms for each BUILD_DIR.  The builds take turns run by
# run, so that a load on the host that comes and goes weighs on all of them alike.
# A build dir may be given as DIR:unaligned: its exosim boots the same archive
# re-packed by GNU cpio, whose files are not page-aligned, so nothing is mapped in
# place (the copying loader, on the same kernel and ExOS).  The hellos are built
# here with musl-gcc and gcc -static; a probe whose program or compiler is missing
# is skipped with a line on stderr.
set -eu

runs=11
if [ "${1:-}" = -n ]; then
	runs=$2
	shift 2
fi
[ $# -ge 1 ] || { echo "usage: startup-times.sh [-n RUNS] BUILD_DIR[:unaligned]..." >&2; exit 2; }
for b in "$@"; do
	[ -x "${b%:unaligned}/exosim" ] || { echo "startup-times.sh: ${b%:unaligned}/exosim not found" >&2; exit 1; }
done
command -v cpio >/dev/null || { echo "startup-times.sh: needs GNU cpio" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/startup_times.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' >"$tmp/hello.c"
if command -v musl-gcc >/dev/null; then musl-gcc -static -O2 -o "$tmp/hello-musl" "$tmp/hello.c"; fi
if command -v gcc >/dev/null; then gcc -static -O2 -o "$tmp/hello-glibc" "$tmp/hello.c"; fi

# archive B N PROGRAM ARGS...: the archive build B boots for probe N (packed by its
# exosim; re-packed by GNU cpio, the program first, for DIR:unaligned).
archive() {
	local b=$1 n=$2 dir=${1%:unaligned}
	shift 2
	local out="$tmp/$n.$(echo "$b" | md5sum | cut -c1-8).cpio"
	"$dir/exosim" --pack "$out" "$@"
	if [ "$b" != "$dir" ]; then
		local root="$tmp/root.$n" first
		first=bin/$(basename "$1")
		rm -rf "$root" && mkdir "$root"
		(cd "$root" && cpio -id --quiet <"$out" &&
			{ echo "$first"; find . -mindepth 1 | sed 's|^\./||' | grep -vxF "$first" | LC_ALL=C sort; } |
			cpio -o -H newc --quiet >"$out.u") && mv "$out.u" "$out"
	fi
	echo "$out"
}

# probe NAME EXPECTED_STDOUT PROGRAM ARGS...
probe() {
	local name=$1 want=$2 n=$RANDOM
	shift 2
	if [ ! -x "$1" ]; then
		echo "startup-times.sh: $1 missing: $name skipped" >&2
		return
	fi
	local b i archives=()
	for b in "${builds[@]}"; do
		archives+=("$(archive "$b" "$n" "$@")")
		: >"$tmp/ns.${#archives[@]}"
	done
	for _ in $(seq "$runs"); do
		for i in "${!builds[@]}"; do
			local t0 t1
			t0=$(date +%s%N)
			"${builds[$i]%:unaligned}/exosim" --initrd "${archives[$i]}" </dev/null >"$tmp/out" \
				2>"$tmp/err" || { echo "startup-times.sh: $name failed:" >&2; cat "$tmp/err" >&2; exit 1; }
			t1=$(date +%s%N)
			[ "$(cat "$tmp/out")" = "$want" ] || { echo "startup-times.sh: $name: wrong output" >&2; exit 1; }
			echo $((t1 - t0)) >>"$tmp/ns.$((i + 1))"
		done
	done
	local row="| $name |"
	for i in "${!builds[@]}"; do
		row="$row $(sort -n "$tmp/ns.$((i + 1))" | awk '{ v[NR] = $1 }
			END { printf "%.1f (%.1f–%.1f)", v[int((NR + 1) / 2)] / 1e6, v[1] / 1e6, v[NR] / 1e6 }') |"
	done
	echo "$row"
}

builds=("$@")
header="| program ($runs runs: median (min–max) ms) |" rule="|---|"
for b in "${builds[@]}"; do
	header="$header $b |"
	rule="$rule---|"
done
echo "$header"
echo "$rule"
probe "busybox true" "" "$(command -v busybox || echo /bin/busybox)" true
probe "musl hello" hello "$tmp/hello-musl"
probe "glibc hello" hello "$tmp/hello-glibc"
probe "bash -c true" "" "$(command -v bash-static || echo /bin/bash-static)" -c true
