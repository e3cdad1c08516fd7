/* The Bochs/QEMU debug console at port 0xe9: a write is a byte of stderr, a
 * read returns 0xe9 so that a guest can tell the port is there (QEMU's
 * `-debugcon` does the same). */
#include <string.h>

#include <hw/exosim_pv.h>

#include "console.h"
#include "device.h"

static int debugcon_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	(void)vm, (void)dev;
	for (uint32_t i = 0; i < a->count; i++) {
		uint8_t *d = a->data + (size_t)i * a->size;
		if (a->write)
			console_put_byte(CONSOLE_STDERR, d[0]);
		else
			memset(d, PV_DEBUGCON_READBACK, a->size);
	}
	return DEV_CONTINUE;
}

static const struct device debugcon_device = {.name = "debugcon",
                                              .space = DEV_PORT,
                                              .base = PV_DEBUGCON_PORT,
                                              .len = 1,
                                              .access = debugcon_access};

static void debugcon_setup(struct vm *vm)
{
	(void)vm;
	device_register_or_fail(&debugcon_device);
}

const struct dev_module dev_debugcon_module = {.name = "debugcon", .setup = debugcon_setup};
