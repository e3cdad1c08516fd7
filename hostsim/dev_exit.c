/* isa-debug-exit, as QEMU's `-device isa-debug-exit,iobase=0xf4,iosize=0x04`:
 * a write of v ends the run.  QEMU exits with (v << 1) | 1, exosim with v's
 * low byte, the guest's own status. */
#include <string.h>

#include <hw/exosim_pv.h>

#include "device.h"

static int exit_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	(void)vm, (void)dev;
	if (!a->write) {
		memset(a->data, 0xff, (size_t)a->size * a->count); /* write-only, as QEMU's */
		return DEV_CONTINUE;
	}
	return a->data[0]; /* little-endian: the low byte of whatever width was written */
}

static const struct device exit_device = {
        .name = "exit", .space = DEV_PORT, .base = PV_EXIT_PORT, .len = 4, .access = exit_access};

static void exit_setup(struct vm *vm)
{
	(void)vm;
	device_register_or_fail(&exit_device);
}

const struct dev_module dev_exit_module = {.name = "exit", .setup = exit_setup};
