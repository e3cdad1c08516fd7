#!/usr/bin/env bash
# pack_listed.sh EXOSIM PROGRAM: `exosim --pack` of PROGRAM (linked with ExOS) with an --add tree of
# files of many sizes (empty, a byte, a page, a page and a byte) is read by GNU cpio
# as exosim meant it, although exosim pads names with NULs to put each file's data on
# a page (hostsim/cpio_build.c): `cpio -t` lists exactly the entries packed, and
# every file extracts to its bytes.  Skips (77) without GNU cpio.
set -u
exosim=$1 program=$2
command -v cpio >/dev/null || { echo "SKIP: no cpio"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/pack_listed.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/t/sub/deeper"
: >"$dir/t/empty"
printf x >"$dir/t/one"
head -c 4096 /dev/urandom >"$dir/t/sub/page"
head -c 4097 /dev/urandom >"$dir/t/sub/page_and_one"
head -c 12345 /dev/urandom >"$dir/t/sub/deeper/odd"
printf 'a name of another length' >"$dir/t/sub/deeper/a_longer_name_than_the_others"
"$exosim" --pack "$dir/a.cpio" --add "$dir/t:t" "$program" arg1 || exit 1
cpio -it --quiet <"$dir/a.cpio" >"$dir/listed" || { echo "FAIL: cpio -t refused the archive"; exit 1; }
base=$(basename "$program")
{
	printf '%s\n' bin exosim "bin/$base" exosim/argv exosim/init exosim/envp
	(cd "$dir" && find t | sort)
} >"$dir/want"
if ! diff <(sort "$dir/want") <(sort "$dir/listed"); then
	echo "FAIL: cpio -t lists other entries than were packed"
	exit 1
fi
for f in $(cd "$dir" && find t -type f); do
	cpio -i --quiet --to-stdout "$f" <"$dir/a.cpio" | cmp -s - "$dir/$f" ||
		{ echo "FAIL: $f does not extract to its bytes"; exit 1; }
done
cpio -i --quiet --to-stdout "bin/$base" <"$dir/a.cpio" | cmp -s - "$program" ||
	{ echo "FAIL: the program does not extract to its bytes"; exit 1; }
echo "ok: $(wc -l <"$dir/listed") entries listed and extracted"
