/* Device interrupt lines.  With KVM's split irqchip (kvm.c) the LAPIC is in
 * KVM and the IOAPIC is here (dev_ioapic.c): the guest programs its
 * redirection table through MMIO at 0xfec00000, as on QEMU microvm, and each
 * unmasked pin becomes an MSI route in KVM, so a device raises its line by
 * writing an eventfd bound with KVM_IRQFD, from any thread, without a VM
 * exit.  With the full in-kernel irqchip KVM's own IOAPIC does the same. */
#ifndef HOSTSIM_IOAPIC_H
#define HOSTSIM_IOAPIC_H

#include <stdbool.h>

struct vm;

#define IOAPIC_BASE 0xfec00000ull
#define IOAPIC_PINS 24

/* An eventfd that, when written, raises an edge on IOAPIC pin `pin`.  While
 * the guest has the pin masked an edge is lost, as on hardware, so `unmasked`
 * is called (on the vCPU thread) when the guest unmasks it: a device with an
 * interrupt still pending raises it again.  Exits with EXOSIM_EXIT_INTERNAL
 * (one line) if KVM cannot deliver device interrupts. */
int ioapic_line(struct vm *vm, unsigned pin, void (*unmasked)(void *arg), void *arg);

#endif
