/* Asynchronous console input (include/hw/exosim_pv.h, version 2): exosim's
 * I/O thread reads stdin into the guest's ring whenever input is ready and
 * raises an IOAPIC pin per batch, so no vCPU waits in exosim for input.
 * dev_pvstdin.c offers it and routes the guest's requests here. */
#ifndef HOSTSIM_STDIN_ASYNC_H
#define HOSTSIM_STDIN_ASYNC_H

#include <stdbool.h>
#include <stdint.h>

#include <hw/exosim_pv.h>

struct vm;

#define STDIN_ASYNC_PIN 4 /* COM1's: the virtio slots start at 5 */

/* Wires the pin and the I/O thread's watch of stdin (paused until the guest
 * attaches).  Returns false, offering nothing, where KVM has no irqchip. */
bool stdin_async_setup(struct vm *vm);

/* The part of the setup after the pin: delivery raises irq_fd (an eventfd).
 * For unit tests, which have no KVM. */
void stdin_async_wire(int irq_fd);

/* Whether the guest attached its ring: synchronous fills are refused then. */
bool stdin_async_attached(void);

/* A request to PV_CONSOLE_IN_ASYNC_PORT, its ring already checked and mapped
 * (ring: the header's host address, size bytes of data after its page): the
 * attach, then kicks.  0, or PV_ERR_MALFORMED (reported and counted). */
int32_t stdin_async_request(const char *name, const struct pv_console_in *req, uint8_t *ring);

#endif
