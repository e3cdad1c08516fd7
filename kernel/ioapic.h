/* The I/O APIC at 0xfec00000 (QEMU microvm with acpi=off, and exosim's
 * userspace IOAPIC): device interrupt pins routed to IDT vectors. */
#ifndef KERNEL_IOAPIC_H
#define KERNEL_IOAPIC_H

#include <stdint.h>

/* Routes pin to vector: edge-triggered, active high, fixed delivery to the
 * physical APIC ID 0 (the one vCPU), unmasked.  0, or -1 if the IOAPIC is
 * absent or has no such pin. */
int ioapic_route(uint32_t pin, uint8_t vector);

#endif
