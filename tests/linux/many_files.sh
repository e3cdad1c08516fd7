#!/usr/bin/env bash
# many_files.sh VM COMPARE_ARGS... -- PROGRAM ARGS...: runs compare.sh in a fresh
# directory holding d/, a tree of 10010 entries (9000 files, 10 directories of 100
# files each), so that --add d packs them all.  ExOS's root once kept only the first
# ~4090 entries, silently; now `ls d` and `find d` must equal the native run.
# Exit status: compare.sh's.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmpbase=${COMPARE_TMP:-${TMPDIR:-/tmp}}
mkdir -p "$tmpbase"
dir=$(mktemp -d "$tmpbase/many_files.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/d"
(
	cd "$dir/d" || exit 1
	seq -f 'f%g' 1 9000 | xargs touch
	for s in $(seq 1 10); do
		mkdir "s$s"
		seq -f "s$s/g%g" 1 100 | xargs touch
	done
) || exit 1
cd "$dir" || exit 1
bash "$here/compare.sh" "$@"
