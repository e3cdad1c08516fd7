#!/usr/bin/env bash
# inplace.sh EXOSIM KERNEL MIN_IN_PLACE PROGRAM: ExOS maps the program's pages in
# place from the initramfs exosim packs (libos/linux/load.c), and falls back to
# copying them from an archive whose files are not page-aligned, with the same
# result.  Runs PROGRAM (a tests/linux program that prints its own verdicts) with
# --trace-syscalls and requires from ExOS's line
#   [exos] image: N pages in place, M fresh; K copy-on-write faults
# N >= MIN_IN_PLACE and K = 0 (its small .data is copied at load); then re-packs the same archive with GNU cpio (no alignment),
# boots it with --initrd and requires N = 0 and the same stdout and status.
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm, no GNU cpio).
set -u
exosim=$1 kernel=$2 min_in_place=$3 prog=$4
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing or not accessible"
	exit 77
fi
command -v cpio >/dev/null || { echo "SKIP: no cpio"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/inplace.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# run NAME EXOSIM_ARGS...: sets st, in_place and fresh
run() {
	local name=$1
	shift
	timeout 120 "$exosim" --kernel "$kernel" "$@" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err"
	st=$?
	local line
	line=$(grep -E '^\[exos\] image: ' "$tmp/$name.err" | tail -n 1)
	echo "$name: status $st; ${line:-no image line}"
	[[ $line =~ ^\[exos\]\ image:\ ([0-9]+)\ pages\ in\ place,\ ([0-9]+)\ fresh\;\ ([0-9]+)\ copy-on-write\ faults$ ]] ||
		{ echo "FAIL: no image line from ExOS"; cat "$tmp/$name.err"; exit 1; }
	in_place=${BASH_REMATCH[1]} fresh=${BASH_REMATCH[2]} cow=${BASH_REMATCH[3]}
}

run aligned --trace-syscalls "$prog"
st_aligned=$st
[ "$st" = 0 ] || { echo "FAIL: the program failed its own checks"; cat "$tmp/aligned.out"; exit 1; }
[ "$in_place" -ge "$min_in_place" ] ||
	{ echo "FAIL: $in_place pages in place, expected >= $min_in_place"; exit 1; }
# Its .data (a few pages) was copied at load, not mapped copy-on-write (load.c's
# EAGER_DATA_PAGES): no write of it faults.
[ "$cow" = 0 ] || { echo "FAIL: $cow copy-on-write faults, expected 0"; exit 1; }

# The same files, packed by GNU cpio: data no longer on pages.  The program goes
# first, so that its data is at byte 124 for sure.
"$exosim" --pack "$tmp/a.cpio" --trace-syscalls "$prog" || exit 1
mkdir "$tmp/root"
first=bin/$(basename "$prog")
(cd "$tmp/root" && cpio -id --quiet <"$tmp/a.cpio" &&
	{ echo "$first"; find . -mindepth 1 | sed 's|^\./||' | grep -vxF "$first" | LC_ALL=C sort; } |
	cpio -o -H newc --quiet >"$tmp/b.cpio") || { echo "FAIL: cannot re-pack with GNU cpio"; exit 1; }
run unaligned --initrd "$tmp/b.cpio"
[ "$st" = "$st_aligned" ] || { echo "FAIL: status $st from the unaligned archive"; exit 1; }
[ "$in_place" = 0 ] || { echo "FAIL: $in_place pages in place from an unaligned archive"; exit 1; }
cmp -s "$tmp/aligned.out" "$tmp/unaligned.out" ||
	{ echo "FAIL: stdout differs"; diff "$tmp/aligned.out" "$tmp/unaligned.out" | head; exit 1; }
echo PASS
