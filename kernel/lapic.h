/* The local APIC timer: periodic ticks for time slices. */
#ifndef KERNEL_LAPIC_H
#define KERNEL_LAPIC_H

#define IRQ_TIMER    32
#define IRQ_SPURIOUS 255
/* Device interrupts (virtio.c): IRQ_DEV_BASE + the device's index. */
#define IRQ_DEV_BASE 48
/* Console input arrived (console.c, exosim's asynchronous mode). */
#define IRQ_CONSOLE 40

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Starts periodic ticks of tick_ns; x2APIC where the CPU has it, else xAPIC. */
void lapic_init(uint64_t tick_ns);
void lapic_eoi(void);
#endif

#endif
