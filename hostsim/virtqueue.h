/* A split virtqueue (virtio 1.x, section 2.7) as the device side sees it: the
 * one module that reads descriptor chains out of guest memory, for every
 * virtio device exosim has.  The layouts and flags are Linux's UAPI
 * (<linux/virtio_ring.h>).
 *
 * The guest is not trusted.  Every field is read once into a local copy (the
 * guest may change the ring meanwhile), every buffer goes through gpa_check,
 * and a chain that breaks the protocol (an index out of the table, a loop, a
 * chain longer than the queue or the device's segment limit, a device-writable
 * buffer before a readable one, an indirect table nested or badly sized, an
 * available index that runs ahead by more than the queue) breaks the queue:
 * virtq_pop says so, one line goes to stderr (device_bad_request), and the
 * device must set NEEDS_RESET and touch the queue no more until the driver
 * resets it.  Nothing else in exosim is affected. */
#ifndef HOSTSIM_VIRTQUEUE_H
#define HOSTSIM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

struct guest_mem;

#define VIRTQ_SIZE_MAX 32768 /* the largest split queue (a power of 2) */
#define VIRTQ_SEGS_MAX 256   /* segments a chain may have (a device reports its SEG_MAX) */

struct virtq {
	const struct guest_mem *mem;
	const char *name; /* the device, for error lines and --stats */
	uint16_t size;    /* entries, a power of 2 */
	uint16_t seg_max; /* a chain's segments, at most VIRTQ_SEGS_MAX */
	bool event_idx;   /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;    /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	/* Host addresses of the three parts, checked once at virtq_init. */
	volatile struct vring_desc *desc;
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	uint16_t last_avail; /* the next available entry to take */
	uint16_t used_idx;   /* our copy of used->idx */
	uint16_t signalled;  /* used_idx when the driver was last interrupted */
	bool broken;         /* the driver broke the protocol: NEEDS_RESET */
};

/* One buffer of a chain, in exosim's address space. */
struct virtq_seg {
	uint8_t *host;
	uint32_t len;
	bool device_writes; /* VRING_DESC_F_WRITE: the device fills it */
};

struct virtq_chain {
	uint16_t head; /* what virtq_push gives back */
	uint16_t n;    /* segments */
	uint16_t nout; /* the first nout are device-readable, the rest writable */
	uint64_t out_bytes, in_bytes;
	struct virtq_seg seg[VIRTQ_SEGS_MAX];
};

/* Checks and binds a queue the driver set up: size a power of 2 up to
 * VIRTQ_SIZE_MAX, the parts aligned (16, 2, 4) and wholly in guest RAM.
 * Features are the negotiated ones (VIRTIO_RING_F_*).  Returns 0, or -1 with
 * the reason reported (the device then refuses QUEUE_READY). */
int virtq_init(struct virtq *q, const struct guest_mem *mem, const char *name, uint16_t size,
               uint16_t seg_max, uint64_t desc, uint64_t avail, uint64_t used, uint64_t features);

/* Takes the next available chain into *c: 1, 0 if there is none, -1 if the
 * queue is (now) broken. */
int virtq_pop(struct virtq *q, struct virtq_chain *c);

/* Whether the driver has made a chain available that virtq_pop would take
 * (false for a broken queue). */
bool virtq_pending(const struct virtq *q);

/* Returns a chain (its head) with `written` bytes put in its writable
 * buffers: the used entry, then the index (release order). */
void virtq_push(struct virtq *q, uint16_t head, uint32_t written);

/* Whether the driver wants an interrupt for what was pushed since the last
 * one (its used_event with EVENT_IDX, else VRING_AVAIL_F_NO_INTERRUPT);
 * remembers that it was asked. */
bool virtq_should_interrupt(struct virtq *q);

/* With EVENT_IDX: asks to be notified when the driver makes the next entry
 * available (avail_event = last_avail), before checking once more for work. */
void virtq_want_notify(struct virtq *q);

#endif
