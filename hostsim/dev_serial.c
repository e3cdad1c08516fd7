/* COM1, a 16550 UART reduced to what a polling guest needs: the transmit
 * register writes a byte to stdout, the line status register always says
 * "transmitter empty", and the rest reads as an idle UART (no interrupt
 * pending).  One VM exit per byte: the kernel prefers the paravirtual console
 * and keeps this for QEMU. */
#include <string.h>

#include <hw/exosim_pv.h>

#include "console.h"
#include "device.h"

#define REG_THR       0 /* transmit (write) / receive (read) */
#define REG_IIR       2
#define REG_LSR       5
#define IIR_NONE      0x01 /* no interrupt pending */
#define LSR_THRE_TEMT 0x60 /* transmitter empty: a guest may always write */

static uint8_t read_reg(uint64_t reg)
{
	switch (reg) {
	case REG_IIR:
		return IIR_NONE;
	case REG_LSR:
		return LSR_THRE_TEMT;
	default:
		return 0;
	}
}

static int serial_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	(void)vm;
	uint64_t reg = a->addr - dev->base;
	for (uint32_t i = 0; i < a->count; i++) {
		uint8_t *d = a->data + (size_t)i * a->size;
		if (!a->write)
			memset(d, read_reg(reg), a->size);
		else if (reg == REG_THR)
			console_put_byte(CONSOLE_STDOUT, d[0]);
	}
	return DEV_CONTINUE;
}

static const struct device serial_device = {
        .name = "com1", .space = DEV_PORT, .base = PV_COM1_PORT, .len = 8, .access = serial_access};

static void serial_setup(struct vm *vm)
{
	(void)vm;
	device_register_or_fail(&serial_device);
}

const struct dev_module dev_serial_module = {.name = "com1", .setup = serial_setup};
