/* The device modules exosim offers, in registration order.  A new device is
 * one dev_*.c file and one line here. */
#include <stddef.h>

#include "device.h"

extern const struct dev_module dev_exit_module, dev_serial_module, dev_debugcon_module,
        dev_pvconsole_module, dev_pvstdin_module, dev_discard_module, dev_fill_module,
        dev_ioapic_module;

static const struct dev_module *const modules[] = {
        &dev_exit_module,      /* isa-debug-exit, port 0xf4 */
        &dev_serial_module,    /* COM1, ports 0x3f8-0x3ff */
        &dev_debugcon_module,  /* the Bochs/QEMU debug console, port 0xe9 */
        &dev_pvconsole_module, /* paravirtual console output, port 0x700 */
        &dev_pvstdin_module,   /* paravirtual console input, port 0x704 */
        &dev_discard_module,   /* paravirtual page discard (scrub), port 0x710 */
        &dev_fill_module,      /* paravirtual word fill, port 0x714 */
        &dev_ioapic_module,    /* the IOAPIC (split irqchip), MMIO 0xfec00000 */
};

void devices_setup(struct vm *vm)
{
	for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
		modules[i]->setup(vm);
}
