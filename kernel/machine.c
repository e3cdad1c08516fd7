/* Leaving the machine: isa-debug-exit, which both exosim and QEMU provide. */
#include <hw/exosim_pv.h>

#include "arch.h"
#include "kernel.h"

_Noreturn void machine_exit(int status)
{
	outl(PV_EXIT_PORT, (uint32_t)status);
	halt_forever(); /* only reached if no exit device exists */
}
