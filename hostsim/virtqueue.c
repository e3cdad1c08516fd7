/* The device side of a split virtqueue (virtqueue.h). */
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <string.h>

#include "device.h"
#include "guest_mem.h"
#include "virtqueue.h"

#define DESC_SIZE sizeof(struct vring_desc)

static bool is_pow2(uint32_t n)
{
	return n && !(n & (n - 1));
}

static int refuse(const struct virtq *q, const char *why, uint64_t a, uint64_t b)
{
	device_bad_request(q->name, "virtqueue: %s (0x%llx, 0x%llx)", why, (unsigned long long)a,
	                   (unsigned long long)b);
	return -1;
}

/* The queue is broken from now on: one line, and NEEDS_RESET for the device. */
static int broken(struct virtq *q, const char *why, uint64_t a, uint64_t b)
{
	q->broken = true;
	return refuse(q, why, a, b);
}

int virtq_init(struct virtq *q, const struct guest_mem *mem, const char *name, uint16_t size,
               uint16_t seg_max, uint64_t desc, uint64_t avail, uint64_t used, uint64_t features)
{
	*q = (struct virtq){.mem = mem, .name = name, .size = size};
	q->event_idx = features & (1ull << VIRTIO_RING_F_EVENT_IDX);
	q->indirect = features & (1ull << VIRTIO_RING_F_INDIRECT_DESC);
	q->seg_max = seg_max && seg_max <= VIRTQ_SEGS_MAX ? seg_max : VIRTQ_SEGS_MAX;
	if (!is_pow2(size) || size > VIRTQ_SIZE_MAX)
		return refuse(q, "queue size not a power of 2 up to 32768", size, 0);
	if (desc % 16 || avail % 2 || used % 4)
		return refuse(q, "ring part misaligned (desc, avail)", desc, avail);
	/* avail: flags, idx, ring[size], used_event; used: flags, idx, ring[size], avail_event */
	uint64_t avail_len = 6 + 2ull * size, used_len = 6 + 8ull * size;
	q->desc = gpa_check(mem, desc, DESC_SIZE * size, name);
	q->avail = gpa_check(mem, avail, avail_len, name);
	q->used = gpa_check(mem, used, used_len, name);
	if (!q->desc || !q->avail || !q->used)
		return -1;
	return 0;
}

/* Reads a descriptor once into a copy: the guest may rewrite it while we
 * look, and an indirect table may sit at any address (memcpy: no alignment). */
static struct vring_desc read_desc(volatile const struct vring_desc *table, uint32_t i)
{
	struct vring_desc d;
	memcpy(&d, (const void *)&table[i], sizeof(d));
	__atomic_signal_fence(__ATOMIC_SEQ_CST); /* one read, used as copied */
	return d;
}

/* Appends the buffer of d to c: writable ones only after readable ones. */
static int add_seg(struct virtq *q, struct virtq_chain *c, const struct vring_desc *d)
{
	bool writes = d->flags & VRING_DESC_F_WRITE;
	if (c->n == q->seg_max)
		return broken(q, "chain longer than the device's segment limit", c->head,
		              q->seg_max);
	if (!writes && c->n > c->nout)
		return broken(q, "device-readable buffer after a writable one", c->head, c->n);
	uint8_t *p = gpa_check(q->mem, d->addr, d->len, q->name);
	if (!p)
		return broken(q, "buffer outside guest RAM", d->addr, d->len);
	c->seg[c->n++] = (struct virtq_seg){.host = p, .len = d->len, .device_writes = writes};
	if (writes) {
		c->in_bytes += d->len;
	} else {
		c->nout++;
		c->out_bytes += d->len;
	}
	return 0;
}

/* Walks a descriptor table (the queue's, or an indirect one of n entries)
 * from entry i.  At most n descriptors: a longer walk is a loop. */
static int walk(struct virtq *q, struct virtq_chain *c, volatile const struct vring_desc *table,
                uint32_t n, uint32_t i, bool nested)
{
	for (uint32_t steps = 0;; steps++) {
		if (i >= n)
			return broken(q, "descriptor index out of the table", i, n);
		if (steps == n)
			return broken(q, "descriptor chain loops", c->head, n);
		struct vring_desc d = read_desc(table, i);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (nested || !q->indirect)
				return broken(q,
				              nested ? "indirect table inside an indirect table"
				                     : "indirect descriptor not negotiated",
				              c->head, i);
			if (d.flags & VRING_DESC_F_NEXT)
				return broken(q, "indirect descriptor with NEXT", c->head, i);
			if (d.len == 0 || d.len % DESC_SIZE || d.len / DESC_SIZE > VIRTQ_SIZE_MAX)
				return broken(q, "indirect table of a bad length", d.addr, d.len);
			volatile const struct vring_desc *ind =
			        gpa_check(q->mem, d.addr, d.len, q->name);
			if (!ind)
				return broken(q, "indirect table outside guest RAM", d.addr, d.len);
			return walk(q, c, ind, d.len / DESC_SIZE, 0, true);
		}
		if (add_seg(q, c, &d) < 0)
			return -1;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

bool virtq_pending(const struct virtq *q)
{
	return !q->broken && __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE) != q->last_avail;
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	if (q->broken)
		return -1;
	uint16_t avail_idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending == 0)
		return 0;
	if (pending > q->size)
		return broken(q, "available index ran ahead of the queue", avail_idx,
		              q->last_avail);
	uint16_t head = q->avail->ring[q->last_avail & (q->size - 1)];
	c->head = head;
	c->n = c->nout = 0;
	c->out_bytes = c->in_bytes = 0;
	if (walk(q, c, q->desc, q->size, head, false) < 0)
		return -1;
	q->last_avail++;
	return 1;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t written)
{
	volatile struct vring_used_elem *e = &q->used->ring[q->used_idx & (q->size - 1)];
	e->id = head;
	e->len = written;
	q->used_idx++;
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
}

/* used_event sits after avail's ring; avail_event after used's (2.7.10). */
static volatile uint16_t *used_event(const struct virtq *q)
{
	return &q->avail->ring[q->size];
}

static volatile uint16_t *avail_event(const struct virtq *q)
{
	return (volatile uint16_t *)&q->used->ring[q->size];
}

bool virtq_should_interrupt(struct virtq *q)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the used index before the driver's flags */
	uint16_t old = q->signalled;
	q->signalled = q->used_idx;
	if (q->event_idx)
		return vring_need_event(*used_event(q), q->used_idx, old);
	return old != q->used_idx && !(q->avail->flags & VRING_AVAIL_F_NO_INTERRUPT);
}

void virtq_want_notify(struct virtq *q)
{
	if (q->event_idx) {
		*avail_event(q) = q->last_avail;
		__atomic_thread_fence(__ATOMIC_SEQ_CST); /* then look at avail->idx again */
	}
}
