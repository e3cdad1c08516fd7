/* Leaving the machine: isa-debug-exit, which both exosim and QEMU provide. */
#include <hw/exosim_pv.h>

#include "arch.h"
#include "boottime.h"
#include "fpu.h"
#include "gate.h"
#include "kernel.h"

/* With `exo.stats` (exosim --stats), the kernel's own counters, in the
 * format of exosim's statistics lines, so a benchmark can divide crossings and
 * upcalls by its operations. */
static void print_stats(void)
{
	if (!boot_options.stats)
		return;
	kprintf("exosim-stats: kernel_crossings=%lu upcalls=%lu pcts=%lu idle_halts=%lu "
	        "ticks=%lu\n",
	        kinfo_page.syscalls, kinfo_page.upcalls, kinfo_page.pcts, kinfo_page.idle_halts,
	        kinfo_page.ticks);
	boot_print_times();
	fpu_print_timing();
}

_Noreturn void machine_exit(int status)
{
	print_stats();
	outl(PV_EXIT_PORT, (uint32_t)status);
	halt_forever(); /* only reached if no exit device exists */
}
