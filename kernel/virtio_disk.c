/* The virtio-blk driver (virtio_disk.h).
 *
 * Each disk has one split virtqueue of up to QSIZE entries in the kernel's
 * .bss.  A request always takes the same descriptors, so there is no free
 * list of descriptors, only of request slots (a bitmap): with INDIRECT_DESC,
 * slot i is ring descriptor i pointing to its own 3-entry table (so every ring
 * entry is a request); without it, slot i is the chain 3i, 3i+1, 3i+2.  The
 * three parts are the request header, the buffer and the status byte; a flush
 * has no buffer.  A request's buffer is one physically contiguous segment (a
 * run of frames), so SEG_MAX never binds (it is at least 1).
 *
 * Costs: ring 0 is emulated (~275 ns an instruction on KVM-on-PVM), and each
 * register access is a VM exit.  A batch costs one QueueNotify, and none if
 * the device (EVENT_IDX) says it is still working through the ring; an
 * interrupt costs InterruptStatus, InterruptACK and the LAPIC's EOI, or only the EOI with
 * exosim's quiet interrupts (include/hw/exo_blk.h). */
#include "virtio_disk.h"

#include <exo/errno.h>
#include <exo/kinfo.h>
#include <exo/memlayout.h>

#include <exo/page.h>
#include <hw/exo_blk.h>

#include "arch.h"
#include "gate.h"
#include "kernel.h"
#include "pmem.h"
#include "wakeup.h"

#define QSIZE 128

/* virtio-blk feature bits and config offsets (virtio 1.x, 5.2). */
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO       5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9
#define CFG_CAPACITY          0
#define CFG_SEG_MAX           12
#define CFG_BLK_SIZE          20
#define VIRTIO_BLK_S_OK       0
#define VIRTIO_BLK_S_UNSUPP   2

#define DRAIN_TIMEOUT_MS 10000
#define BATCHES          8 /* batches in flight a disk */
#define BATCH_DESCS      5 /* a batch's chain: header, binding, entries (1-2 pieces), status */

struct blk_hdr {
	uint32_t type;
	uint32_t ioprio;
	uint64_t sector;
};

/* What the device reads and writes: page-aligned, in .bss (kpa() gives its
 * physical address: the kernel image is contiguous). */
struct ring {
	struct vring_desc desc[QSIZE];
	struct {
		uint16_t flags, idx;
		uint16_t ring[QSIZE + 1]; /* + used_event, at ring[qsize] */
	} avail;
	struct {
		uint16_t flags, idx;
		struct vring_used_elem ring[QSIZE + 1]; /* + avail_event, at ring[qsize] */
	} used __attribute__((aligned(4)));
	struct vring_desc ind[QSIZE][3];
	struct blk_hdr hdr[QSIZE];
	uint8_t status[QSIZE];
} __attribute__((aligned(4096)));

struct virtio_blk {
	struct virtio_dev dev;
	struct ring *r;
	struct exo_disk_info *info; /* exo_kinfo.disk[i] */
	uint16_t qsize, nslots;
	uint16_t avail_idx, kicked_idx, last_used;
	bool indirect, event_idx, quiet; /* quiet: exosim's quiet interrupts (exo_blk.h) */
	uint32_t sectors_per_block;
	uint64_t free[QSIZE / 64];     /* bit set: slot free */
	uint64_t reshaped[QSIZE / 64]; /* bit set: a flush changed the slot's descriptors */
	struct {                       /* what virtio_blk_drain_frames and the completion need */
		uint64_t buf_pa;
		uint64_t len;    /* 0 for a flush; a batch: its buffer run */
		int64_t *status; /* a batch: word 0 of its status page */
	} slot[QSIZE];
	/* Batches (include/hw/exo_blk.h), when the device takes them: batch k has slot k
	 * of the ring to itself (slots below nbatch are never free for requests), a
	 * binding and the indirect table of its chain, whose entries are read where the
	 * caller wrote them (their frames are held like a buffer's until it completes). */
	uint16_t nbatch; /* BATCHES, or 0: no batches */
	struct exo_blk_batch bind[BATCHES];
	struct vring_desc bdesc[BATCHES][BATCH_DESCS] __attribute__((aligned(16)));
	struct blk_hdr bhdr[BATCHES];
	uint32_t batch_free; /* bit set: bind[i] free */
};

static struct ring rings[EXO_DISK_MAX];
static struct virtio_blk blks[EXO_DISK_MAX];
static unsigned nblks;
uint32_t vblk_inflight;

static inline void barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

/* The one barrier x86 needs here: our store to avail->idx before our load of
 * avail_event (and used_event before used->idx). */
static inline void full_barrier(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

static void say(const struct virtio_blk *b, const char *what)
{
	kprintf("exo: disk %u (virtio-mmio at 0x%lx): %s\n", (unsigned)(b - blks), b->dev.base,
	        what);
}

/* The configuration, read consistently (the generation counter). */
static bool read_config(struct virtio_blk *b)
{
	uint64_t f = b->dev.features, sectors;
	uint32_t bs = 512, gen;
	do {
		gen = virtio_read(&b->dev, VIRTIO_MMIO_CONFIG_GEN);
		sectors = virtio_config(&b->dev, CFG_CAPACITY, 8);
		if (f & (1ul << VIRTIO_BLK_F_BLK_SIZE))
			bs = (uint32_t)virtio_config(&b->dev, CFG_BLK_SIZE, 4);
	} while (gen != virtio_read(&b->dev, VIRTIO_MMIO_CONFIG_GEN));
	if (bs < 512 || bs > 4096 || (bs & (bs - 1))) {
		say(b, "block size is not a power of 2 from 512 to 4096; device ignored");
		return false;
	}
	b->sectors_per_block = bs / 512;
	b->info->block_size = bs;
	b->info->blocks = sectors / b->sectors_per_block;
	if (b->info->blocks >> EXO_DISK_CAP_SHIFT) {
		say(b, "larger than 2^48 blocks; device ignored");
		return false;
	}
	b->info->flags = (f & (1ul << VIRTIO_BLK_F_RO) ? EXO_DISK_RO : 0) |
	                 (f & (1ul << VIRTIO_BLK_F_FLUSH) ? EXO_DISK_FLUSH : 0);
	return true;
}

/* Slot i's descriptors in the shape of a read or write: header, buffer, status (the
 * buffer's address, length and direction are the request's). */
static void shape_data(struct virtio_blk *b, uint16_t i)
{
	struct ring *r = b->r;
	struct vring_desc *d = b->indirect ? r->ind[i] : &r->desc[3 * i];
	uint16_t base = b->indirect ? 0 : (uint16_t)(3 * i); /* where `next` counts from */
	d[0] = (struct vring_desc){kpa(&r->hdr[i]), sizeof(r->hdr[i]), VRING_DESC_F_NEXT,
	                           (uint16_t)(base + 1)};
	d[1].next = (uint16_t)(base + 2);
	d[2] = (struct vring_desc){kpa(&r->status[i]), 1, VRING_DESC_F_WRITE, 0};
	if (b->indirect)
		r->desc[i] = (struct vring_desc){kpa(d), 3 * sizeof(*d), VRING_DESC_F_INDIRECT, 0};
	b->reshaped[i / 64] &= ~(1ul << (i % 64));
}

/* ... and of a flush: header, status (the slot is then "reshaped": in the shape of a
 * read or write no more). */
static void shape_flush(struct virtio_blk *b, uint16_t i)
{
	struct ring *r = b->r;
	if (b->indirect) { /* a table's entries are consecutive: status moves up */
		r->ind[i][0].next = 1;
		r->ind[i][1] = r->ind[i][2];
		r->desc[i].len = 2 * sizeof(struct vring_desc);
	} else {
		r->desc[3 * i].next = (uint16_t)(3 * i + 2);
	}
	b->reshaped[i / 64] |= 1ul << (i % 64);
}

/* Every slot free, in the shape of a read or write: only what changes per request is
 * written when it is queued (ring 0 costs ~2 µs an instruction here). */
static void ring_init(struct virtio_blk *b)
{
	for (uint16_t i = 0; i < b->nslots; i++) {
		shape_data(b, i);
		b->free[i / 64] |= 1ul << (i % 64);
	}
}

/* The batches' chains, for a device that takes them, each in its own slot: header,
 * binding, the entries in one or two pieces (descriptors 2 and 3: the caller's vector
 * may cross a page) and the status byte.  Only the pieces change per batch. */
static void batches_init(struct virtio_blk *b)
{
	if (b->nslots < 2 * BATCHES)
		return;
	for (int k = 0; k < BATCHES; k++) {
		struct vring_desc *d = b->bdesc[k];
		b->bhdr[k] = (struct blk_hdr){.type = VIRTIO_BLK_T_EXO_BATCH};
		d[0] = (struct vring_desc){kpa(&b->bhdr[k]), sizeof(b->bhdr[k]), VRING_DESC_F_NEXT,
		                           1};
		d[1] = (struct vring_desc){kpa(&b->bind[k]), sizeof(b->bind[k]), VRING_DESC_F_NEXT,
		                           2};
		d[2] = (struct vring_desc){0, 0, VRING_DESC_F_NEXT, 3};
		d[3] = (struct vring_desc){0, 0, VRING_DESC_F_NEXT, 4};
		d[4] = (struct vring_desc){kpa(&b->r->status[k]), 1, VRING_DESC_F_WRITE, 0};
		b->r->desc[k] =
		        (struct vring_desc){kpa(d), sizeof(b->bdesc[k]), VRING_DESC_F_INDIRECT, 0};
		b->free[0] &= ~(1ul << k); /* the batch's own */
	}
	b->nbatch = BATCHES;
	b->batch_free = (1u << BATCHES) - 1;
	b->info->flags |= EXO_DISK_BATCHED;
}

struct virtio_blk *virtio_blk_attach(struct virtio_dev *d, unsigned index)
{
	struct virtio_blk *b = &blks[index];
	*b = (struct virtio_blk){.dev = *d, .r = &rings[index], .info = &kinfo_page.disk[index]};
	uint64_t want = 1ul << VIRTIO_F_EVENT_IDX | 1ul << VIRTIO_F_INDIRECT_DESC |
	                1ul << VIRTIO_BLK_F_BLK_SIZE | 1ul << VIRTIO_BLK_F_SEG_MAX |
	                1ul << VIRTIO_BLK_F_FLUSH | 1ul << VIRTIO_BLK_F_RO |
	                1ul << VIRTIO_BLK_F_EXO_BATCH | 1ul << VIRTIO_BLK_F_EXO_QUIET_IRQ;
	uint64_t f = virtio_negotiate(&b->dev, want);
	if (!f)
		return 0;
	b->indirect = f & (1ul << VIRTIO_F_INDIRECT_DESC);
	b->event_idx = f & (1ul << VIRTIO_F_EVENT_IDX);
	b->quiet = f & (1ul << VIRTIO_BLK_F_EXO_QUIET_IRQ);
	if (!read_config(b)) {
		virtio_write(&b->dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
		return 0;
	}
	struct ring *r = b->r;
	__builtin_memset(r, 0, sizeof(*r));
	b->qsize = (uint16_t)virtio_queue_setup(&b->dev, 0, QSIZE, kpa(r->desc), kpa(&r->avail),
	                                        kpa(&r->used));
	if (b->qsize < 3 && !(b->indirect && b->qsize)) {
		virtio_write(&b->dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
		return 0;
	}
	b->nslots = b->indirect ? b->qsize : b->qsize / 3;
	ring_init(b);
	if (f & (1ul << VIRTIO_BLK_F_EXO_BATCH) && b->indirect) /* a batch is 5 descriptors */
		batches_init(b);
	virtio_driver_ok(&b->dev);
	b->info->root_cap = -1;
	b->info->queue = (uint32_t)(b->nslots - b->nbatch); /* for DISK_IO's requests */
	b->info->mmio_base = b->dev.base;
	nblks = index + 1;
	kinfo_page.ndisks = nblks;
	kverbose("exo: disk %u: %lu blocks of %u bytes%s%s, queue %u, irq %u\n", index,
	         b->info->blocks, b->info->block_size, b->info->flags & EXO_DISK_RO ? ", ro" : "",
	         b->info->flags & EXO_DISK_FLUSH ? ", flush" : "", b->nslots, d->irq);
	return b;
}

static int slot_take(struct virtio_blk *b)
{
	_Static_assert(QSIZE == 128, "two words of free slots");
	unsigned w = !b->free[0];
	uint64_t m = b->free[w];
	if (!m)
		return -1;
	b->free[w] = m & (m - 1);
	return (int)(w * 64 + (unsigned)__builtin_ctzl(m));
}

/* Tells the device about what was queued, if it wants to hear (EVENT_IDX). */
static void virtio_blk_kick(unsigned disk)
{
	struct virtio_blk *b = &blks[disk];
	uint16_t old = b->kicked_idx, now = b->avail_idx;
	if (old == now)
		return;
	barrier(); /* descriptors and ring entries before the index */
	b->r->avail.idx = now;
	full_barrier();
	b->kicked_idx = now;
	bool notify;
	if (b->event_idx) {
		uint16_t ev = *(volatile uint16_t *)&b->r->used.ring[b->qsize];
		notify = (uint16_t)(now - ev - 1) < (uint16_t)(now - old);
	} else {
		notify = !(*(volatile uint16_t *)&b->r->used.flags & VRING_USED_F_NO_NOTIFY);
	}
	if (notify)
		virtio_write(&b->dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

/* A request that needs its slot's descriptors reshaped: a flush, or the first read or
 * write in a slot a flush or a batch used. */
static void reshape(struct virtio_blk *b, int i, const struct vblk_req *q)
{
	if (b->reshaped[i / 64] >> (i % 64) & 1)
		shape_data(b, (uint16_t)i);
	if (!q->len)
		shape_flush(b, (uint16_t)i);
}

/* Requests q[from..to) on disk b, as long as it has free slots: the index reached.  The
 * loop writes only what changes per request (ring_init set the rest) and keeps the
 * ring's state in registers: every ring-0 instruction costs ~2 µs on KVM-on-PVM, and
 * this is a request's share of them. */
static size_t queue_run(struct virtio_blk *b, const struct vblk_req *q, size_t from, size_t to)
{
	struct ring *r = b->r;
	uint16_t avail = b->avail_idx, mask = (uint16_t)(b->qsize - 1);
	uint32_t spb = b->sectors_per_block;
	bool indirect = b->indirect;
	size_t k = from;
	for (; k < to; k++) {
		int i = slot_take(b);
		if (i < 0)
			break;
		const struct vblk_req *x = &q[k];
		if (!x->len || (b->reshaped[i / 64] >> (i % 64) & 1))
			reshape(b, i, x);
		if (x->len) {
			struct vring_desc *d = indirect ? &r->ind[i][1] : &r->desc[3 * i + 1];
			d->addr = x->buf_pa;
			d->len = x->len;
			d->flags = x->type == VIRTIO_BLK_T_IN
			                   ? VRING_DESC_F_WRITE | VRING_DESC_F_NEXT
			                   : VRING_DESC_F_NEXT;
		}
		r->hdr[i].type = x->type;
		r->hdr[i].sector = x->block * spb;
		r->status[i] = 0xff; /* a device that does not write it fails the request */
		b->slot[i].buf_pa = x->buf_pa;
		b->slot[i].len = x->len;
		b->slot[i].status = x->status;
		r->avail.ring[avail++ & mask] = (uint16_t)(indirect ? i : 3 * i);
		*x->status = EXO_DISK_PENDING;
	}
	b->avail_idx = avail;
	vblk_inflight += (uint32_t)(k - from);
	return k;
}

struct exo_blk_batch *virtio_blk_batch_area(unsigned disk)
{
	struct virtio_blk *b = &blks[disk];
	if (!b->batch_free)
		return 0;
	return &b->bind[__builtin_ctz(b->batch_free)];
}

void virtio_blk_batch_submit(unsigned disk, const struct vblk_vec *v, int64_t *status_page)
{
	struct virtio_blk *b = &blks[disk];
	int k = __builtin_ctz(b->batch_free);
	b->batch_free &= ~(1u << k);
	struct vring_desc *d = b->bdesc[k];
	d[2].addr = v->pa[0];
	d[2].len = v->len[0];
	d[2].next = v->len[1] ? 3 : 4;
	d[3].addr = v->pa[1];
	d[3].len = v->len[1];
	b->r->status[k] = 0xff;
	/* What may not change hands before it completes: the run, the status page, the
	 * entries' frames (touches). */
	b->slot[k].buf_pa = b->bind[k].buf;
	b->slot[k].len = b->bind[k].buf_bytes;
	b->slot[k].status = status_page;
	b->r->avail.ring[b->avail_idx++ & (b->qsize - 1)] = (uint16_t)k;
	vblk_inflight++;
	virtio_blk_kick(disk);
}

size_t virtio_blk_submit(const struct vblk_req *q, size_t n)
{
	uint64_t touched = 0;
	size_t done = 0;
	while (done < n) { /* a run of requests for one disk at a time */
		size_t end = done + 1;
		while (end < n && q[end].disk == q[done].disk)
			end++;
		size_t reached = queue_run(&blks[q[done].disk], q, done, end);
		if (reached > done)
			touched |= 1ul << q[done].disk;
		done = reached;
		if (done < end)
			break; /* that queue is full: the caller resubmits the rest */
	}
	for (; touched; touched &= touched - 1)
		virtio_blk_kick((unsigned)__builtin_ctzl(touched));
	return done;
}

static int blk_result(uint8_t status)
{
	if (status == VIRTIO_BLK_S_OK)
		return 0;
	return status == VIRTIO_BLK_S_UNSUPP ? -EXO_ENOSYS : -EXO_EIO;
}

/* The request in slot i finished: its status word and its page's counter (the page is
 * still the environment's: see vblk_req). */
static void count_one(int64_t *page)
{
	__atomic_fetch_add(page, 1, __ATOMIC_RELEASE); /* lock add: exosim adds too */
}

/* Entry j's status word index, read where the caller wrote it (its frames are still
 * its own: touches).  The vector is 8-aligned, so the field never crosses a page. */
static uint32_t entry_word(const struct vring_desc *d, uint32_t j)
{
	uint64_t at = (uint64_t)j * sizeof(struct exo_disk_req) +
	              __builtin_offsetof(struct exo_disk_req, status);
	uint64_t pa = at < d[2].len ? d[2].addr + at : d[3].addr + (at - d[2].len);
	return *(volatile uint32_t *)kva(pa);
}

/* A batch ended: the device gave every entry its result, unless the batch failed as a
 * whole (result): then the entries still pending get that. */
static void batch_done(struct virtio_blk *b, int k, int result)
{
	b->batch_free |= 1u << k;
	if (!result)
		return;
	int64_t *page = b->slot[k].status;
	for (uint32_t j = 0; j < b->bind[k].n && j < EXO_BLK_BATCH_MAX; j++) {
		uint32_t w = entry_word(b->bdesc[k], j);
		if (w != EXO_DISK_COUNTER && w < EXO_DISK_STATUS_WORDS &&
		    page[w] == EXO_DISK_PENDING) {
			page[w] = result;
			count_one(page);
		}
	}
}

/* Whether slot i has no request in flight (a batch's slot: its batch is free). */
static bool slot_idle(const struct virtio_blk *b, int i)
{
	if (i < b->nbatch)
		return b->batch_free >> i & 1;
	return b->free[i / 64] >> (i % 64) & 1;
}

static void slot_done(struct virtio_blk *b, int i, int result)
{
	vblk_inflight--;
	if (i < b->nbatch) {
		batch_done(b, i, result);
		return;
	}
	b->free[i / 64] |= 1ul << (i % 64);
	int64_t *w = b->slot[i].status;
	*w = result;
	count_one((int64_t *)((uintptr_t)w & ~(uintptr_t)(EXO_PAGE_SIZE - 1))); /* word 0 */
}

/* Takes every completion the device has posted; returns how many.  The used index and
 * our place in it stay in registers over a run of completions (a completion's share of
 * ring-0 instructions, ~2 µs each on KVM-on-PVM). */
static unsigned reap(struct virtio_blk *b)
{
	struct ring *r = b->r;
	uint16_t last = b->last_used, mask = (uint16_t)(b->qsize - 1);
	unsigned n = 0;
	for (;;) {
		uint16_t used = *(volatile uint16_t *)&r->used.idx;
		if (used == last) {
			if (!b->event_idx)
				break;
			/* Interrupt us at the next completion, then look once more:
			 * one posted meanwhile would not interrupt. */
			r->avail.ring[b->qsize] = used;
			full_barrier();
			if (*(volatile uint16_t *)&r->used.idx == used)
				break;
			continue;
		}
		barrier(); /* the index before the entries */
		for (; last != used; last++) {
			uint32_t id = r->used.ring[last & mask].id;
			int i = (int)(b->indirect ? id : id / 3);
			if (id >= b->qsize || (!b->indirect && id % 3) || slot_idle(b, i)) {
				say(b, "the device returned a request it does not have");
				continue;
			}
			slot_done(b, i, blk_result(r->status[i]));
			n++;
		}
	}
	b->last_used = last;
	return n;
}

/* The device stopped answering or asked for a reset: it touches no memory
 * after the reset, every request in flight fails with -EXO_EIO, and every
 * later one too (EXO_DISK_DEAD). */
static void blk_kill(struct virtio_blk *b, const char *why)
{
	say(b, why);
	virtio_reset(&b->dev);
	b->info->flags |= EXO_DISK_DEAD;
	for (int i = 0; i < b->nslots; i++)
		if (!slot_idle(b, i))
			slot_done(b, i, -EXO_EIO);
}

void virtio_blk_irq(struct virtio_blk *b)
{
	/* Quiet interrupts need no acknowledgement: the registers (two VM exits) only when
	 * the device flags a configuration change in memory. */
	if (!b->quiet || *(volatile uint16_t *)&b->r->used.flags & EXO_VRING_USED_F_CONFIG) {
		uint32_t isr = virtio_irq_ack(&b->dev);
		if (isr & VIRTIO_INT_CONFIG &&
		    virtio_read(&b->dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) {
			blk_kill(b, "the device needs a reset (it found our ring bad); disk dead");
			return;
		}
	}
	if (reap(b) && sleeping)
		wakeup_poll();
}

/* Whether a batch's entries lie in frames [pfn, pfn + n). */
static bool entries_in(const struct virtio_blk *b, int k, uint64_t pfn, uint64_t n)
{
	const struct vring_desc *d = b->bdesc[k];
	return PFN(d[2].addr) - pfn < n || (d[2].next == 3 && PFN(d[3].addr) - pfn < n);
}

static bool touches(const struct virtio_blk *b, uint64_t pfn, uint64_t n)
{
	for (int i = 0; i < b->nslots; i++) {
		if (slot_idle(b, i))
			continue;
		uint64_t first = PFN(b->slot[i].buf_pa), frames = (b->slot[i].len + 4095) / 4096;
		if (PFN(kpa(b->slot[i].status)) - pfn < n ||
		    (frames && first < pfn + n && pfn < first + frames) ||
		    (i < b->nbatch && entries_in(b, i, pfn, n)))
			return true;
	}
	return false;
}

void virtio_blk_drain_frames(uint64_t pfn, uint64_t n)
{
	for (unsigned d = 0; d < nblks; d++) {
		struct virtio_blk *b = &blks[d];
		uint64_t deadline = 0;
		while (touches(b, pfn, n)) {
			reap(b);
			if (!touches(b, pfn, n))
				break;
			uint64_t now = rdtsc();
			if (!deadline)
				deadline = now + DRAIN_TIMEOUT_MS * kinfo_page.tsc_khz;
			else if (now > deadline)
				blk_kill(b, "no answer for 10 s while pages under I/O were freed; "
				            "disk dead");
			__asm__ volatile("pause");
		}
	}
}
