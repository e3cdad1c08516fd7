#!/usr/bin/env bash
# qemu-boot.sh KERNEL INITRD [STDERR_FILE [APPEND]]: boot the exosim kernel and an
# initramfs (from `exosim --pack`) under QEMU microvm with TCG, with DESIGN.md §2's
# command line.  The guest's stdout is the serial port (our stdout); its stderr goes to
# the debug console, written to STDERR_FILE (default: discarded).  APPEND goes at the
# end of the kernel command line, as exosim's --append.  Exits as QEMU does:
# (guest status << 1) | 1.  The one place the QEMU command line is written down.
# EXO_QEMU_OPTS adds options, split on spaces (bench/page_breakdown.sh passes
# `-icount shift=0`, so the guest's TSC counts instructions); EXO_QEMU_MEM is -m (default
# 1G; above 3 GiB QEMU puts the rest of RAM above 4 GiB, as exosim does).
# EXO_QEMU_DISKS: disks, space-separated, each FILE[,ro] as exosim's --disk (raw image
# files; ro: read-only): virtio-blk devices on virtio-mmio (modern), disk i of the kernel
# (exo_kinfo.disk[i]) being the i-th of the list.
# EXO_QEMU_NETS: NICs, space-separated, each a QEMU -netdev spec without its id, with an
# optional @MAC (e.g. "user,hostfwd=udp:127.0.0.1:5555-:5555" or
# "socket,listen=127.0.0.1:PORT@52:54:00:00:00:0a"; loopback addresses only): virtio-net
# devices after the disks, NIC i (exo_kinfo.nic[i]) the i-th of the list.
# EXO_QEMU_GDB=[HOST:]PORT: start QEMU's gdb stub there (default host 127.0.0.1) and hold
# the guest before its first instruction (-gdb tcp:HOST:PORT -S), for the same gdb session
# as `exosim --gdb` (docs/debugging.md).
set -eu
kernel=${1:?usage: qemu-boot.sh KERNEL INITRD [STDERR_FILE [APPEND]]}
initrd=${2:?usage: qemu-boot.sh KERNEL INITRD [STDERR_FILE [APPEND]]}
dbg=${3:-/dev/null}
append=${4:+ $4}
disks=()
n=0
# QEMU 7.2 microvm puts the first device on the last transport (0xfeb00e00, irq 12), the
# next below it, and announces them in that order: the command line's order is the list's.
for d in ${EXO_QEMU_DISKS:-}; do
	file=${d%,ro}
	ro=
	[ "$file" != "$d" ] && ro=,readonly=on
	disks+=(-drive "file=$file,format=raw,if=none,id=disk$n$ro" -device "virtio-blk-device,drive=disk$n")
	n=$((n + 1))
done
for d in ${EXO_QEMU_NETS:-}; do
	mac=
	[ "${d#*@}" != "$d" ] && mac=,mac=${d#*@}
	disks+=(-netdev "${d%@*},id=net$n" -device "virtio-net-device,netdev=net$n$mac")
	n=$((n + 1))
done
[ $n -gt 0 ] && disks+=(-global virtio-mmio.force-legacy=false)
if [ -n "${EXO_QEMU_GDB:-}" ]; then
	gdb=$EXO_QEMU_GDB
	[ "${gdb#*:}" = "$gdb" ] && gdb=127.0.0.1:$gdb
	disks+=(-gdb "tcp:$gdb" -S)
fi
# shellcheck disable=SC2086 # EXO_QEMU_OPTS is a list of options
exec qemu-system-x86_64 ${EXO_QEMU_OPTS:-} \
	-M microvm,x-option-roms=off,pit=off,pic=off,rtc=off,isa-serial=on,acpi=off \
	-accel tcg -cpu max -m "${EXO_QEMU_MEM:-1G}" -nodefaults -serial stdio -nographic -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-chardev "file,id=dbg,path=$dbg" -device isa-debugcon,iobase=0xe9,chardev=dbg \
	-kernel "$kernel" -initrd "$initrd" ${disks[@]+"${disks[@]}"} \
	-append "exo.epoch_ns=$(date +%s%N)$append"
