/* exosim's virtio-mmio devices on the bus, as QEMU microvm lays them out: slot
 * i is the 512-byte window at 0xfeb00000 + i*512 with IOAPIC pin 5 + i, and
 * the guest learns of it from the kernel command line.  This file wires a
 * transport (virtio_mmio.c) to KVM: register accesses are MMIO exits on the
 * vCPU thread; QueueNotify writes are KVM_IOEVENTFDs that the I/O thread
 * serves (io_thread.c), so a kick does not stop the vCPU; the interrupt is a
 * KVM_IRQFD (ioapic.h).  One lock per device orders the two threads. */
#ifndef HOSTSIM_VIRTIO_SLOT_H
#define HOSTSIM_VIRTIO_SLOT_H

#include <pthread.h>

#include "virtio_mmio.h"

struct vm;

#define VIRTIO_SLOT_BASE     0xfeb00000ull
#define VIRTIO_SLOT_IRQ_BASE 5
#define VIRTIO_SLOTS_MAX     8

/* Puts a device of `type` (state `dev`) in the next free slot; `name` names
 * it in error lines and --stats.  Exits with EXOSIM_EXIT_USAGE when the eight
 * slots are taken, EXOSIM_EXIT_INTERNAL if KVM refuses. */
struct virtio_mmio *virtio_slot_add(struct vm *vm, const char *name, const struct virtio_type *type,
                                    void *dev);

/* For a device's backend: calls handler(arg) on the I/O thread whenever fd is
 * readable, holding the device's lock (the vCPU thread takes it for register
 * accesses, a reset among them).  Returns the watch (io_thread_pause). */
int virtio_slot_watch(struct virtio_mmio *t, int fd, void (*handler)(void *arg), void *arg);

/* For a backend thread of its own (libslirp's): the device's lock around a
 * call into the device. */
void virtio_slot_lock(struct virtio_mmio *t);
void virtio_slot_unlock(struct virtio_mmio *t);

/* For unit tests: a slot with no window, interrupt or kicks in KVM (the test
 * plays the vCPU: it takes the lock around register accesses and calls
 * virtio_mmio_notify itself); backends still run on the I/O thread. */
struct virtio_mmio *virtio_slot_detached(const struct guest_mem *mem, const char *name,
                                         const struct virtio_type *type, void *dev,
                                         void (*raise_irq)(struct virtio_mmio *t));

/* The command-line fragments announcing every slot in use (as QEMU writes
 * them), appended to buf; returns the length, or -1 if cap is too small. */
int virtio_slots_cmdline(char *buf, unsigned long cap);

/* --stats: one line per device. */
void virtio_slots_stats_print(void);

#endif
