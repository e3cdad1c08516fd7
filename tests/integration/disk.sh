#!/usr/bin/env bash
# disk.sh CASE VM EXOSIM KERNEL GUEST_DIR APPS_DIR EXPECTED_DIR: the disk tests (docs/disk.md),
# with disks that are host files checked here, byte for byte.
#   VM: qemu (scripts/qemu-boot.sh with EXO_QEMU_DISKS) or exosim (--disk FILE[,ro]); the
#   same cases run on both.
#   CASE: patterns (write through three extents, flush, check the file, read back in a
#   second boot, and a corrupted block must be found), ro, errors, revoke, isolate,
#   batch (EXO_SYS_DISK_BATCH: refusals, each entry's result), blkcat (against cat and dd
#   of the file), devices (malformed and bogus
#   virtio_mmio.device fragments refused with a line each, the real disk still works).
# DISK_BLOCK: the device's block size (default 512) when the VM was told to offer another
# (the pattern is per block).  Exit status: 0 pass, 1 fail, 77 skip.
set -u
case_=$1 vm=$2 exosim=$3 kernel=$4 guest=$5 apps=$6 expected=$7

. "$(dirname "$0")/vm_available.sh"
vm_available "$vm"
command -v python3 >/dev/null || {
	echo "SKIP: python3 is needed to write and check the disk images"
	exit 77
}

tmpbase=${RUN_GUEST_TMP:-${TMPDIR:-/tmp}}
mkdir -p "$tmpbase"
tmp=$(mktemp -d "$tmpbase/disk.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
fail=0
report() {
	echo "FAIL: $*"
	fail=1
}

# boot "DISKS" "APPEND" PROGRAM ARGS...: runs PROGRAM with the disks (FILE[,ro], space-
# separated) and APPEND on the kernel command line; stdout in $tmp/out, the guest's
# stderr in $tmp/err; sets $st to the guest's exit status (QEMU's mapped back).
boot() {
	local disks=$1 append=$2
	shift 2
	if [ "$vm" = qemu ]; then
		"$exosim" --pack "$tmp/boot.cpio" "$@" || {
			st=999
			return
		}
		: >"$tmp/err"
		EXO_QEMU_DISKS=$disks timeout -s KILL 300 "$(dirname "$0")/../../scripts/qemu-boot.sh" \
			"$kernel" "$tmp/boot.cpio" "$tmp/err" "$append" </dev/null >"$tmp/out" 2>"$tmp/qemu.err"
		st=$?
		if [ $((st & 1)) = 1 ]; then st=$((st >> 1)); else st=$((1000 + st)); fi
	else
		local opts=()
		for d in $disks; do opts+=(--disk "$d"); done
		[ -n "$append" ] && opts+=(--append "$append")
		timeout -s KILL 300 "$exosim" --kernel "$kernel" "${opts[@]}" "$@" </dev/null \
			>"$tmp/out" 2>"$tmp/err"
		st=$?
	fi
}

# expect_status N WHAT: the last boot's status was N, else report it with its output.
expect_status() {
	[ "$st" = "$1" ] && return 0
	report "$2: status $st, expected $1"
	sed 's/^/  out: /' "$tmp/out" | head -40
	sed 's/^/  err: /' "$tmp/err" | head -20
	return 1
}

# image FILE BLOCKS SEED: a disk image whose word j of block b is (b << 32 | j << 16 | SEED).
bs=${DISK_BLOCK:-512}
image() {
	python3 - "$1" "$2" "$3" "$bs" <<'EOF'
import struct, sys
f, n, seed, bs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
w = bs // 8
with open(f, "wb") as out:
    for b in range(n):
        out.write(struct.pack("<%dQ" % w, *[(b << 32) | (j << 16) | seed for j in range(w)]))
EOF
}

blocks=2051 # not a round number: the last request of each extent is short
case "$case_" in
patterns)
	truncate -s $((blocks * bs)) "$tmp/disk.img"
	image "$tmp/want.img" $blocks 5
	boot "$tmp/disk.img" "" "$guest/disk.elf" write 5
	expect_status 0 "disk write 5"
	cmp "$tmp/want.img" "$tmp/disk.img" || report "the host file differs from the pattern after the write"
	boot "$tmp/disk.img" "" "$guest/disk.elf" read 5
	expect_status 0 "disk read 5 (second boot)"
	# A block changed behind the guest's back must be noticed.
	printf 'X' | dd of="$tmp/disk.img" bs=1 seek=$((1500 * bs + 77)) conv=notrunc status=none
	boot "$tmp/disk.img" "" "$guest/disk.elf" read 5
	expect_status 1 "disk read 5 after the host changed block 1500"
	grep -q "block 1472 and on differ" "$tmp/out" || report "the changed block was not reported"
	;;
ro)
	image "$tmp/disk.img" $blocks 7
	cp "$tmp/disk.img" "$tmp/want.img"
	boot "$tmp/disk.img,ro" "" "$guest/disk.elf" ro
	expect_status 0 "disk ro"
	cmp "$tmp/want.img" "$tmp/disk.img" || report "the read-only disk's file changed"
	;;
errors)
	image "$tmp/disk.img" $blocks 3
	boot "$tmp/disk.img" "" "$guest/disk.elf" errors
	expect_status 0 "disk errors"
	diff -u "$expected/disk_errors.out" "$tmp/out" || report "disk errors: stdout differs"
	;;
batch)
	image "$tmp/disk.img" $blocks 3
	boot "$tmp/disk.img" "" "$guest/disk.elf" batch
	expect_status 0 "disk batch"
	;;
revoke | isolate)
	truncate -s $((blocks * 512)) "$tmp/disk.img"
	boot "$tmp/disk.img" "" "$guest/disk.elf" "$case_"
	expect_status 0 "disk $case_"
	;;
blkcat)
	head -c $((3000 * 512 + 512)) /dev/urandom >"$tmp/a.img"
	head -c $((700 * 512)) /dev/urandom >"$tmp/b.img"
	boot "$tmp/a.img $tmp/b.img,ro" "" "$apps/blkcat.elf"
	expect_status 0 "blkcat" && { cmp "$tmp/a.img" "$tmp/out" || report "blkcat differs from cat"; }
	boot "$tmp/a.img $tmp/b.img,ro" "" "$apps/blkcat.elf" -d 1 7 100
	dd if="$tmp/b.img" bs=512 skip=7 count=100 status=none >"$tmp/want"
	expect_status 0 "blkcat -d 1 7 100" && { cmp "$tmp/want" "$tmp/out" || report "blkcat -d 1 7 100 differs from dd"; }
	boot "$tmp/a.img $tmp/b.img,ro" "" "$apps/blkcat.elf" -d 1 699 2
	expect_status 1 "blkcat -d 1 699 2 (past the end)"
	grep -q "^blkcat: the blocks asked for are past the end of the disk: ENXIO" "$tmp/err" ||
		report "blkcat past the end: no such line on stderr"
	boot "$tmp/a.img" "" "$apps/blkcat.elf" -d 1
	expect_status 1 "blkcat -d 1 (no such disk)"
	;;
devices)
	head -c $((64 * 512)) /dev/urandom >"$tmp/a.img"
	# The real disk is announced first: QEMU puts it at 0xfeb00e00 (its last slot), exosim
	# at 0xfeb00000 (its first).  Named again with a pin the IOAPIC lacks, it is refused.
	real=0xfeb00000
	[ "$vm" = qemu ] && real=0xfeb00e00
	bogus="virtio_mmio.device=junk virtio_mmio.device=512@0xfeb00000 virtio_mmio.device=512@0x1000:5 virtio_mmio.device=512@0xfeb01000:6 virtio_mmio.device=512@$real:99 virtio_mmio.device=512@0xfeb00400:7"
	boot "$tmp/a.img" "$bogus" "$apps/blkcat.elf"
	expect_status 0 "blkcat with bogus devices"
	cmp "$tmp/a.img" "$tmp/out" || report "blkcat differs from cat with bogus devices named"
	for want in "exo: malformed virtio_mmio.device=junk; ignored" \
		"exo: malformed virtio_mmio.device=512@0xfeb00000; ignored" \
		"exo: virtio-mmio at 0x1000: the window is not in the MMIO hole below the IOAPIC; device ignored" \
		"exo: virtio-mmio at 0xfeb01000: no virtio magic value; device ignored" \
		"exo: virtio-mmio at $real: the IOAPIC has no pin 99; device ignored"; do
		grep -qF "$want" "$tmp/err" || report "stderr lacks: $want"
	done
	# An empty slot: QEMU has a transport there with no device, exosim nothing at all.
	grep -qE "^exo: virtio-mmio at 0xfeb00400: (no device behind the window|no virtio magic value); device ignored$" "$tmp/err" ||
		report "stderr lacks the empty slot's line"
	[ "$(grep -c '^exo: ' "$tmp/err")" = 6 ] || report "not exactly the 6 lines of the kernel"
	;;
*)
	echo "disk.sh: unknown case $case_"
	exit 2
	;;
esac
if [ "$fail" = 1 ]; then
	echo "--- last stderr:"
	head -20 "$tmp/err"
	exit 1
fi
echo "PASS: $vm disk $case_"
