/* isa-debug-exit, as QEMU's `-device isa-debug-exit,iobase=0xf4,iosize=0x04`:
 * a write of v ends the run.  QEMU exits with (v << 1) | 1; exosim with v as a
 * shell would report it: v is the kernel's exit record (include/exo/status.h),
 * a program's own status 0..255, or for an environment the kernel ended the
 * vector, which becomes 128 + the signal Linux would send (lib/unix_status.c,
 * `exosim --help`). */
#include <stdio.h>
#include <string.h>

#include <exo/status.h>
#include <hw/exosim_pv.h>

#include "device.h"
#include "unix_status.h"

static int exit_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	(void)vm, (void)dev;
	if (!a->write) {
		memset(a->data, 0xff, (size_t)a->size * a->count); /* write-only, as QEMU's */
		return DEV_CONTINUE;
	}
	uint32_t v = 0;
	memcpy(&v, a->data, a->size < 4 ? a->size : 4); /* little-endian */
	int status = unix_status(v);
	if (status < 0) {
		fprintf(stderr, "exosim: the guest exited with an unknown status 0x%x\n", v);
		return EXOSIM_EXIT_CRASH;
	}
	return status;
}

static const struct device exit_device = {
        .name = "exit", .space = DEV_PORT, .base = PV_EXIT_PORT, .len = 4, .access = exit_access};

static void exit_setup(struct vm *vm)
{
	(void)vm;
	device_register_or_fail(&exit_device);
}

const struct dev_module dev_exit_module = {.name = "exit", .setup = exit_setup};
