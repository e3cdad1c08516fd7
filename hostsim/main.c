/* exosim: boot the exokernel in a KVM VM and run one program.
 *
 *   options -> initramfs (program + arguments) -> VM + kernel ELF -> PVH start
 *   state -> run the vCPU until the guest's exit device fires. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "deadline.h"
#include "device.h"
#include "fail.h"
#include "gdb.h"
#include "host_signals.h"
#include "initramfs.h"
#include "io_thread.h"
#include "kernel_loader.h"
#include "options.h"
#include "pvh.h"
#include "run.h"
#include "stats.h"
#include "kvm.h"
#include "virtio_blk.h"
#include "virtio_net.h"
#include "virtio_slot.h"

static void pack(const struct options *o, const struct initramfs *r)
{
	/* FILE may be a FIFO or a pipe (`--pack >(cat)`): the deadline cuts a
	 * blocked open or write short, and that is a timeout, not a bad file. */
	FILE *f = fopen(o->pack, "wb");
	if (!f || fwrite(r->data, 1, r->size, f) != r->size || fclose(f) != 0) {
		if (deadline_passed())
			fail(EXOSIM_EXIT_TIMEOUT, "timeout: the run took more than %g s",
			     o->timeout);
		fail(EXOSIM_EXIT_NOFILE, "%s: cannot write: %s", o->pack, strerror(errno));
	}
}

int main(int argc, char **argv)
{
	stats_mark(PHASE_START);
	host_signals_init();
	fail_set_flush_hook(console_flush);
	struct options o;
	options_parse(&o, argc, argv);
	deadline_arm(o.timeout); /* the limit covers the whole run, files and output too */
	if (o.gdb)               /* a port in use is refused before anything is built */
		gdb_listen(o.gdb, !o.gdb_no_wait);

	struct initramfs initrd;
	if (o.initrd)
		initramfs_read(&initrd, o.initrd);
	else
		initramfs_build(&initrd, &o);
	if (o.pack) {
		pack(&o, &initrd);
		initramfs_free(&initrd);
		options_free(&o);
		return 0;
	}

	stats_mark(PHASE_VM);
	struct vm vm;
	vm_create(&vm, o.mem);
	devices_setup(&vm);
	for (int i = 0; i < o.ndisks; i++)
		virtio_blk_attach(&vm, o.disks[i]);
	for (int i = 0; i < o.nnets; i++)
		virtio_net_attach(&vm, o.nets[i], i < o.nmacs ? o.macs[i] : NULL);
	stats_mark(PHASE_LOAD);
	struct kernel_image k;
	kernel_load(o.kernel, &vm.mem, &k);
	char cmdline[PVH_CMDLINE_MAX];
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	/* With --stats the kernel's boot-time line starts from the guest's TSC
	 * here, just before the vCPU first runs (docs/boot.md). */
	char stats[48] = "", virtio[VIRTIO_SLOTS_MAX * 48] = "";
	if (virtio_slots_cmdline(virtio, sizeof(virtio)) < 0) /* sized for every slot */
		fail(EXOSIM_EXIT_INTERNAL, "the virtio devices' command line is too long");
	if (o.stats)
		snprintf(stats, sizeof(stats), " exo.stats exo.tsc_start=%llu",
		         (unsigned long long)vm_guest_tsc(&vm));
	int n = snprintf(cmdline, sizeof(cmdline), "exosim.tsc_khz=%u exo.epoch_ns=%llu%s%s%s%s %s",
	                 vm.tsc_khz,
	                 (unsigned long long)now.tv_sec * 1000000000ull +
	                         (unsigned long long)now.tv_nsec,
	                 stats, vm.noxsave ? " noxsave" : "", gdb_cmdline(), virtio, o.append);
	if (n < 0 || (size_t)n >= sizeof(cmdline))
		fail(EXOSIM_EXIT_USAGE,
		     "--append: the kernel command line would be %d bytes with the devices' "
		     "(at most %zu)",
		     n, sizeof(cmdline) - 1);
	uint64_t start_info = pvh_setup(&vm.mem, &k, &initrd, cmdline);
	initramfs_free(&initrd);
	vm_set_pvh_state(&vm, (uint32_t)k.entry32, (uint32_t)start_info);

	stats_mark(PHASE_GUEST);
	io_thread_start();
	virtio_net_start_all();
	gdb_banner(&o);
	gdb_start(&vm);
	int status = vm_run(&vm, o.timeout);
	stats_mark(PHASE_TEARDOWN);
	console_flush();
	virtio_net_flush_all();
	virtio_net_stop_all();
	io_thread_stop();
	virtio_blk_drain_all(); /* before guest RAM goes: requests in flight write it */
	vm_destroy(&vm);
	stats_mark(PHASE_END);
	if (o.stats) {
		stats_print(vm.irqchip);
		virtio_slots_stats_print();
	}
	virtio_blk_detach_all();
	virtio_net_detach_all();
	options_free(&o);
	return status;
}
