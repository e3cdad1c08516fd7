/* The virtio-mmio transport's register file (virtio_mmio.h). */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <string.h>

#include <hw/exo_blk.h>

#include "device.h"
#include "virtio_mmio.h"

#define MAGIC   0x74726976u /* "virt" */
#define VENDOR  0x554d4551u /* "QEMU", as QEMU's devices say */
#define VERSION 2u          /* modern */

/* What the transport offers on top of the device's own features. */
static uint64_t offered(const struct virtio_mmio *t)
{
	return t->type->features | 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_RING_F_EVENT_IDX |
	       1ull << VIRTIO_RING_F_INDIRECT_DESC;
}

void virtio_mmio_init(struct virtio_mmio *t, const struct guest_mem *mem, const char *name,
                      const struct virtio_type *type, void *dev,
                      void (*raise_irq)(struct virtio_mmio *t))
{
	*t = (struct virtio_mmio){
	        .mem = mem, .name = name, .type = type, .dev = dev, .raise_irq = raise_irq};
}

static void reset(struct virtio_mmio *t)
{
	if (t->type->reset)
		t->type->reset(t);
	uint32_t generation = t->config_generation;
	uint64_t notifications = t->notifications, interrupts = t->interrupts;
	virtio_mmio_init(t, t->mem, t->name, t->type, t->dev, t->raise_irq);
	t->config_generation = generation;
	t->notifications = notifications;
	t->interrupts = interrupts;
}

static bool quiet(const struct virtio_mmio *t)
{
	return t->driver_features & t->type->quiet_irq;
}

/* Quiet interrupts: the config-change flag in each live queue's used->flags (the
 * guest may write that word too: it only misleads its own driver). */
static void flag_config(struct virtio_mmio *t, bool on)
{
	for (unsigned i = 0; i < t->type->nqueues; i++) {
		volatile struct vring_used *u = t->q[i].ready ? t->q[i].vq.used : NULL;
		if (u)
			u->flags = on ? u->flags | EXO_VRING_USED_F_CONFIG
			              : u->flags & ~EXO_VRING_USED_F_CONFIG;
	}
}

static void interrupt(struct virtio_mmio *t, uint32_t why)
{
	if (quiet(t) && why == VIRTIO_MMIO_INT_CONFIG)
		flag_config(t, true);
	if (!quiet(t) || why != VIRTIO_MMIO_INT_VRING)
		t->interrupt_status |= why;
	t->interrupts++;
	if (t->raise_irq)
		t->raise_irq(t);
}

void virtio_mmio_config_changed(struct virtio_mmio *t)
{
	interrupt(t, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_mmio_needs_reset(struct virtio_mmio *t)
{
	if (t->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	interrupt(t, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_mmio_used(struct virtio_mmio *t, uint16_t q)
{
	if (q < t->type->nqueues && virtq_should_interrupt(&t->q[q].vq))
		interrupt(t, VIRTIO_MMIO_INT_VRING);
}

int virtio_mmio_cmdline(char *buf, unsigned long cap, uint64_t base, unsigned irq)
{
	return snprintf(buf, cap, " virtio_mmio.device=%u@0x%llx:%u", VIRTIO_MMIO_WINDOW,
	                (unsigned long long)base, irq);
}

/* The selected queue, or NULL (QueueSel past the device's queues). */
static struct virtio_mmio_queue *selected(struct virtio_mmio *t)
{
	return t->queue_sel < t->type->nqueues ? &t->q[t->queue_sel] : NULL;
}

static uint32_t read_reg(struct virtio_mmio *t, uint64_t off)
{
	struct virtio_mmio_queue *q = selected(t);
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VERSION;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->type->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->device_features_sel > 1
		               ? 0
		               : (uint32_t)(offered(t) >> (32 * t->device_features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? t->type->queue_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q && q->ready;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return t->config_generation;
	default:
		device_bad_request(t->name, "virtio-mmio: read of register 0x%llx",
		                   (unsigned long long)off);
		return 0;
	}
}

/* FEATURES_OK stays set only if the driver took what was offered, and
 * VERSION_1 (this is a modern device: no legacy interface). */
static void write_status(struct virtio_mmio *t, uint32_t v)
{
	if (v == 0) {
		reset(t);
		return;
	}
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		uint64_t extra = t->driver_features & ~offered(t);
		if (extra || !(t->driver_features >> VIRTIO_F_VERSION_1 & 1)) {
			device_bad_request(t->name, "virtio-mmio: driver features 0x%llx refused",
			                   (unsigned long long)t->driver_features);
			v &= ~(uint32_t)VIRTIO_CONFIG_S_FEATURES_OK;
		}
	}
	/* The device's own bit stays: only a reset clears NEEDS_RESET. */
	t->status = v | (t->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* QueueReady = 1: the ring must pass virtqueue.c's checks. */
static void queue_ready(struct virtio_mmio *t, struct virtio_mmio_queue *q, uint32_t v)
{
	if (!v) {
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	if (q->num > t->type->queue_max ||
	    virtq_init(&q->vq, t->mem, t->name, q->num, t->type->seg_max, q->desc, q->driver,
	               q->device, t->driver_features) < 0) {
		device_bad_request(t->name, "virtio-mmio: queue %u of %u entries refused",
		                   t->queue_sel, q->num);
		virtio_mmio_needs_reset(t);
		return;
	}
	q->ready = true;
}

static void set_half(uint64_t *reg, bool high, uint32_t v)
{
	*reg = high ? (*reg & 0xffffffffu) | (uint64_t)v << 32
	            : (*reg & ~(uint64_t)0xffffffffu) | v;
}

/* Queue registers: only for an existing queue that is not live. */
static void write_queue(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct virtio_mmio_queue *q = selected(t);
	if (!q || (q->ready && off != VIRTIO_MMIO_QUEUE_READY)) {
		device_bad_request(t->name, "virtio-mmio: queue register 0x%llx of queue %u (%s)",
		                   (unsigned long long)off, t->queue_sel,
		                   q ? "live" : "no such queue");
		return;
	}
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = (uint16_t)(v <= 0xffff ? v : 0);
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		queue_ready(t, q, v);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&q->desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_half(&q->driver, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, v);
		break;
	default:
		set_half(&q->device, off == VIRTIO_MMIO_QUEUE_USED_HIGH, v);
		break;
	}
}

void virtio_mmio_notify(struct virtio_mmio *t, uint32_t v)
{
	t->notifications++;
	if (v >= t->type->nqueues || !t->q[v].ready) {
		device_bad_request(t->name, "virtio-mmio: notify of queue %u, which is not live",
		                   v);
		return;
	}
	bool running = (t->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	               !(t->status & VIRTIO_CONFIG_S_NEEDS_RESET);
	if (running && t->type->notify)
		t->type->notify(t, (uint16_t)v);
}

static void write_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->device_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->driver_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (t->status & VIRTIO_CONFIG_S_FEATURES_OK || t->driver_features_sel > 1)
			device_bad_request(t->name,
			                   "virtio-mmio: driver features word %u after "
			                   "FEATURES_OK or past 64 bits",
			                   t->driver_features_sel);
		else
			set_half(&t->driver_features, t->driver_features_sel == 1, v);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_READY:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		write_queue(t, off, v);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		virtio_mmio_notify(t, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		if (quiet(t) && v & t->interrupt_status & VIRTIO_MMIO_INT_CONFIG)
			flag_config(t, false);
		t->interrupt_status &= ~v;
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(t, v);
		break;
	default:
		device_bad_request(t->name, "virtio-mmio: write of register 0x%llx",
		                   (unsigned long long)off);
	}
}

/* The config space: any width, inside config_len; read-only here. */
static void config_access(struct virtio_mmio *t, uint64_t off, bool write, uint32_t size,
                          uint8_t *data)
{
	uint64_t at = off - VIRTIO_MMIO_CONFIG;
	if (write || at > t->type->config_len || size > t->type->config_len - at) {
		device_bad_request(t->name, "virtio-mmio: config %s of %u bytes at 0x%llx",
		                   write ? "write" : "read", size, (unsigned long long)at);
		if (!write)
			memset(data, 0, size);
		return;
	}
	memcpy(data, (const uint8_t *)t->type->config + at, size);
}

void virtio_mmio_access(struct virtio_mmio *t, uint64_t off, bool write, uint32_t size,
                        uint8_t *data)
{
	if (off >= VIRTIO_MMIO_CONFIG) {
		config_access(t, off, write, size, data);
		return;
	}
	if (size != 4 || off % 4) {
		device_bad_request(t->name,
		                   "virtio-mmio: %u-byte %s at 0x%llx (registers are 32-bit)", size,
		                   write ? "write" : "read", (unsigned long long)off);
		if (!write)
			memset(data, 0xff, size);
		return;
	}
	uint32_t v;
	if (write) {
		memcpy(&v, data, 4);
		write_reg(t, off, v);
	} else {
		v = read_reg(t, off);
		memcpy(data, &v, 4);
	}
}
