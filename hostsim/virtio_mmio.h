/* The virtio-mmio transport, modern (version 2), as QEMU's microvm offers it:
 * the register file a driver programs (virtio 1.x section 4.2.2, offsets
 * from <linux/virtio_mmio.h>), feature negotiation, queue setup through
 * virtqueue.c, the device status with NEEDS_RESET, and the interrupt status.
 * A device type (virtio-blk, virtio-net) supplies its ID, features, queues
 * and config space through struct virtio_type and serves its queues when
 * notified; this file knows nothing of disks or packets.
 *
 * The guest is not trusted: a control register accessed with another width
 * than 32 bits, a queue register written while the queue is live, a queue
 * index that does not exist, or a ring that virtqueue.c refuses is a bad
 * request (one line, counted by --stats); a bad ring also puts the device in
 * NEEDS_RESET with a config-change interrupt, as the spec lets a device do,
 * and nothing of it runs until the driver resets it (status 0). */
#ifndef HOSTSIM_VIRTIO_MMIO_H
#define HOSTSIM_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "virtqueue.h"

#define VIRTIO_MMIO_QUEUES_MAX 8
#define VIRTIO_MMIO_WINDOW     0x200 /* each device's register window (QEMU microvm: 512) */

struct virtio_mmio;

struct virtio_type {
	uint32_t device_id;  /* VIRTIO_ID_BLOCK, VIRTIO_ID_NET, ... */
	uint64_t features;   /* the device's own; the transport adds VERSION_1,
	                        EVENT_IDX and INDIRECT_DESC */
	uint16_t nqueues;    /* at most VIRTIO_MMIO_QUEUES_MAX */
	uint16_t queue_max;  /* QueueNumMax, a power of 2 */
	uint16_t seg_max;    /* segments per chain (virtqueue.h) */
	uint64_t quiet_irq;  /* the feature bit (a mask) of exosim's quiet interrupts
	                        (include/hw/exo_blk.h), 0 if the type has none */
	uint32_t config_len; /* bytes of the device-specific config space */
	const void *config;  /* ... read from here (little-endian, as the device keeps it) */
	/* The driver made buffers available on queue q (DRIVER_OK, q live). */
	void (*notify)(struct virtio_mmio *t, uint16_t q);
	/* Status 0 written: forget every request in flight. */
	void (*reset)(struct virtio_mmio *t);
	/* --stats: the device's own counters, " key=value" each, on one line. */
	void (*print_stats)(struct virtio_mmio *t);
};

struct virtio_mmio_queue {
	uint16_t num; /* QueueNum */
	bool ready;
	uint64_t desc, driver, device; /* guest-physical: the three parts */
	struct virtq vq;               /* bound when ready */
};

struct virtio_mmio {
	const struct guest_mem *mem;
	const char *name;
	const struct virtio_type *type;
	void *dev; /* the device type's state */
	/* Raises the device's interrupt line (KVM_IRQFD or a test's counter). */
	void (*raise_irq)(struct virtio_mmio *t);
	uint32_t status, interrupt_status, config_generation;
	uint32_t device_features_sel, driver_features_sel, queue_sel;
	uint64_t driver_features;
	struct virtio_mmio_queue q[VIRTIO_MMIO_QUEUES_MAX];
	uint64_t notifications, interrupts; /* --stats; kept across resets */
};

/* A device in its reset state. */
void virtio_mmio_init(struct virtio_mmio *t, const struct guest_mem *mem, const char *name,
                      const struct virtio_type *type, void *dev,
                      void (*raise_irq)(struct virtio_mmio *t));

/* One guest access at offset off of the window: size bytes of data (written,
 * or filled for a read). */
void virtio_mmio_access(struct virtio_mmio *t, uint64_t off, bool write, uint32_t size,
                        uint8_t *data);

/* The driver wrote queue index v to QueueNotify (an MMIO write, or a
 * KVM_IOEVENTFD the I/O thread saw): the device serves the queue if it is
 * live and the driver is running; another index is a bad request. */
void virtio_mmio_notify(struct virtio_mmio *t, uint32_t v);

/* For a device type: the driver broke the protocol on a queue (one line
 * said already): NEEDS_RESET, and a config-change interrupt. */
void virtio_mmio_needs_reset(struct virtio_mmio *t);

/* For a device type: its config space changed (config_generation bumped by
 * the caller): a config-change interrupt. */
void virtio_mmio_config_changed(struct virtio_mmio *t);

/* For a device type: buffers were used on a queue; interrupts the driver if
 * it asked to be (EVENT_IDX or the NO_INTERRUPT flag), latching the VRING bit in
 * InterruptStatus unless quiet interrupts were negotiated. */
void virtio_mmio_used(struct virtio_mmio *t, uint16_t q);

/* The features both sides agreed on (valid once FEATURES_OK is set). */
static inline bool virtio_mmio_has(const struct virtio_mmio *t, unsigned bit)
{
	return t->driver_features >> bit & 1;
}

/* The command-line fragment that announces a device to the guest, exactly as
 * QEMU writes it: " virtio_mmio.device=512@0x<base>:<irq>". */
int virtio_mmio_cmdline(char *buf, unsigned long cap, uint64_t base, unsigned irq);

#endif
