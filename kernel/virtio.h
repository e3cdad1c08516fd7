/* The virtio-mmio transport, modern (version 2), as the kernel drives it: the
 * register offsets, status and feature bits of the virtio 1.x specification
 * (section 4.2.2) and the split ring's layout (section 2.7), written out here
 * because the kernel is freestanding (exosim's device side uses Linux's UAPI
 * headers for the same values).
 *
 * Devices are found only on the kernel command line, in QEMU microvm's form
 * ` virtio_mmio.device=512@0x<base>:<irq>` (virtio_discover).  A fragment that
 * is malformed, a window that is not a version-2 virtio device, an irq the
 * IOAPIC does not have or a device type without a driver gets one line on the
 * console and is ignored. */
#ifndef KERNEL_VIRTIO_H
#define KERNEL_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Registers (offsets in the window). */
#define VIRTIO_MMIO_MAGIC         0x000 /* "virt" */
#define VIRTIO_MMIO_VERSION       0x004
#define VIRTIO_MMIO_DEVICE_ID     0x008
#define VIRTIO_MMIO_DEV_FEATURES  0x010
#define VIRTIO_MMIO_DEV_FEAT_SEL  0x014
#define VIRTIO_MMIO_DRV_FEATURES  0x020
#define VIRTIO_MMIO_DRV_FEAT_SEL  0x024
#define VIRTIO_MMIO_QUEUE_SEL     0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM     0x038
#define VIRTIO_MMIO_QUEUE_READY   0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY  0x050
#define VIRTIO_MMIO_INT_STATUS    0x060
#define VIRTIO_MMIO_INT_ACK       0x064
#define VIRTIO_MMIO_STATUS        0x070
#define VIRTIO_MMIO_QUEUE_DESC    0x080 /* low, then high at +4 */
#define VIRTIO_MMIO_QUEUE_DRIVER  0x090
#define VIRTIO_MMIO_QUEUE_DEVICE  0x0a0
#define VIRTIO_MMIO_CONFIG_GEN    0x0fc
#define VIRTIO_MMIO_CONFIG        0x100
#define VIRTIO_MMIO_MAGIC_VALUE   0x74726976u

#define VIRTIO_MMIO_WINDOW 512 /* bytes per device window (QEMU microvm) */

/* Device status. */
#define VIRTIO_STATUS_ACK         1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED      128

/* InterruptStatus bits. */
#define VIRTIO_INT_USED   1
#define VIRTIO_INT_CONFIG 2

/* Transport features (bit numbers). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29
#define VIRTIO_F_VERSION_1     32

#define VIRTIO_ID_BLOCK 2

/* The split ring (section 2.7). */
#define VRING_DESC_F_NEXT      1
#define VRING_DESC_F_WRITE     2
#define VRING_DESC_F_INDIRECT  4
#define VRING_USED_F_NO_NOTIFY 1

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

/* One device's window and what the transport negotiated with it. */
struct virtio_dev {
	uint64_t base;  /* physical address of the window */
	uint32_t irq;   /* IOAPIC pin */
	uint8_t vector; /* its IDT vector */
	uint64_t features;
};

uint32_t virtio_read(const struct virtio_dev *d, uint32_t off);
void virtio_write(const struct virtio_dev *d, uint32_t off, uint32_t v);

/* Resets the device, announces a driver and negotiates: VERSION_1 is required;
 * of `wanted`, what the device offers.  The negotiated set, or 0 (one line
 * said) when the device refuses it or lacks VERSION_1. */
uint64_t virtio_negotiate(struct virtio_dev *d, uint64_t wanted);
/* Sets up queue q with the three parts at physical desc, driver, device:
 * returns the size used (a power of 2 up to max), or 0 (one line said). */
uint32_t virtio_queue_setup(const struct virtio_dev *d, uint32_t q, uint32_t max, uint64_t desc,
                            uint64_t driver, uint64_t device);
void virtio_driver_ok(const struct virtio_dev *d);
/* The device stops touching memory (status 0, read back). */
void virtio_reset(const struct virtio_dev *d);
/* Reads InterruptStatus and acknowledges what it says: the bits. */
uint32_t virtio_irq_ack(const struct virtio_dev *d);
/* A device-specific config field of n bytes (1, 2, 4, 8) at off. */
uint64_t virtio_config(const struct virtio_dev *d, uint32_t off, uint32_t n);

/* Finds the devices named on the command line and attaches their drivers. */
void virtio_discover(const char *cmdline, size_t len);

/* entry.S's device interrupt: the device behind IDT vector IRQ_DEV_BASE + i, which
 * interrupted code segment cs.  Nonzero: it woke an environment that should run now
 * (sched_irq_woke), so entry.S saves the whole frame for sched_irq_switch. */
uint64_t dev_irq(uint64_t i, uint64_t cs);

#endif
