/* The virtio-net driver (virtio_nic.h).
 *
 * Each NIC has two split virtqueues of QSIZE entries in the kernel's .bss, each entry
 * with its own fixed 2 KiB buffer: descriptor i always points to buffer i, so there is
 * no free list of descriptors.  Receive buffers are the kernel's (the device never
 * writes a libOS page: there is no IOMMU); all of them are posted at attach and each is
 * posted again as soon as its frame has been demultiplexed.  Transmit copies the frame
 * into the next transmit buffer (the caller's pages are free again when the call
 * returns).  Finished transmits are taken at the next send and raise no interrupt, except
 * while the queue is (more than half) full: then a sender may be sleeping until there is
 * room (exo_nic_info.tx_done, docs/net.md), so completions interrupt until half the
 * queue is free again.
 *
 * Features: VERSION_1, MAC, STATUS; no MRG_RXBUF (a buffer holds a whole frame), no
 * offloads (the 12-byte header is all zeros on transmit and ignored on receive). */
#include "virtio_nic.h"

#include <exo/kinfo.h>
#include <exo/memlayout.h>
#include <exo/net.h>
#include <exo/page.h>

#include "arch.h"
#include "gate.h"
#include "kernel.h"
#include "kstring.h"
#include "pmem.h"
#include "wakeup.h"

#define QSIZE 64
#define BUF   2048
#define HDR   12 /* struct virtio_net_hdr_v1 */

#define VIRTIO_NET_F_MAC           5
#define VIRTIO_NET_F_STATUS        16
#define CFG_MAC                    0
#define CFG_STATUS                 6
#define NET_S_LINK_UP              1
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vq {
	struct vring_desc desc[QSIZE];
	struct {
		uint16_t flags, idx;
		uint16_t ring[QSIZE + 1];
	} avail;
	struct {
		uint16_t flags, idx;
		struct vring_used_elem ring[QSIZE + 1];
	} used __attribute__((aligned(4096)));
} __attribute__((aligned(4096)));

struct virtio_net {
	struct virtio_dev dev;
	struct exo_nic_info *info;
	struct vq *rx, *tx;
	uint8_t *buf[2][QSIZE]; /* each queue's buffers: pages of the allocator, 2 a page */
	uint16_t qsize;
	uint16_t rx_last;                      /* used entries taken */
	uint16_t tx_avail, tx_kicked, tx_last; /* posted, told, taken */
};

static struct vq rxq[EXO_NIC_MAX], txq[EXO_NIC_MAX];
static struct virtio_net nics[EXO_NIC_MAX];

static inline void barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

static void say(const struct virtio_net *n, const char *what)
{
	kprintf("exo: nic %u (virtio-mmio at 0x%lx): %s\n", (unsigned)(n - nics), n->dev.base,
	        what);
}

/* The buffers come from the page allocator, only for the NICs there are (static ones
 * for EXO_NIC_MAX NICs would cost 1 MiB of every machine's memory). */
static bool buffers_alloc(struct virtio_net *n)
{
	for (uint32_t i = 0; i < 2; i++)
		for (uint32_t d = 0; d < QSIZE; d += EXO_PAGE_SIZE / BUF) {
			uint64_t pa = page_alloc(0, EXO_PAGE_KERNEL);
			if (!pa)
				return false;
			for (uint32_t k = 0; k < EXO_PAGE_SIZE / BUF; k++)
				n->buf[i][d + k] = (uint8_t *)kva(pa) + k * BUF;
		}
	return true;
}

static bool queues_setup(struct virtio_net *n)
{
	struct vq *q[2] = {n->rx, n->tx};
	if (!buffers_alloc(n))
		return false;
	for (uint32_t i = 0; i < 2; i++) {
		__builtin_memset(q[i], 0, sizeof(*q[i]));
		uint32_t size = virtio_queue_setup(&n->dev, i, QSIZE, kpa(q[i]->desc),
		                                   kpa(&q[i]->avail), kpa(&q[i]->used));
		if (!size || (i && size != n->qsize))
			return false;
		n->qsize = (uint16_t)size;
		for (uint16_t d = 0; d < size; d++)
			q[i]->desc[d] = (struct vring_desc){kpa(n->buf[i][d]), BUF,
			                                    i ? 0 : VRING_DESC_F_WRITE, 0};
	}
	for (uint16_t d = 0; d < n->qsize; d++) /* every receive buffer posted */
		n->rx->avail.ring[d] = d;
	n->rx->avail.idx = n->qsize;
	n->tx->avail.flags = VRING_AVAIL_F_NO_INTERRUPT;
	return true;
}

struct virtio_net *virtio_net_attach(struct virtio_dev *d, unsigned index)
{
	struct virtio_net *n = &nics[index];
	*n = (struct virtio_net){
	        .dev = *d, .info = &kinfo_page.nic[index], .rx = &rxq[index], .tx = &txq[index]};
	uint64_t f =
	        virtio_negotiate(&n->dev, 1ul << VIRTIO_NET_F_MAC | 1ul << VIRTIO_NET_F_STATUS);
	if (!f)
		return 0;
	if (!queues_setup(n)) {
		say(n, "its queues are not usable; device ignored");
		virtio_write(&n->dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
		return 0;
	}
	for (uint32_t i = 0; f & (1ul << VIRTIO_NET_F_MAC) && i < 6; i++)
		n->info->mac[i] = (uint8_t)virtio_config(&n->dev, CFG_MAC + i, 1);
	n->info->flags = !(f & (1ul << VIRTIO_NET_F_STATUS)) ||
	                                 virtio_config(&n->dev, CFG_STATUS, 2) & NET_S_LINK_UP
	                         ? EXO_NIC_LINK_UP
	                         : 0;
	n->info->root_cap = -1;
	n->info->tx_slots = n->qsize;
	n->info->mmio_base = n->dev.base;
	virtio_driver_ok(&n->dev);
	virtio_write(&n->dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0); /* the receive buffers */
	kinfo_page.nnics = index + 1;
	const uint8_t *m = n->info->mac;
	kverbose("exo: nic %u: mac %02x:%02x:%02x:%02x:%02x:%02x, queues %u, irq %u\n", index, m[0],
	         m[1], m[2], m[3], m[4], m[5], n->qsize, d->irq);
	return n;
}

/* Finished transmits: their buffers are free again.  How many are still in flight. */
static uint16_t tx_reap(struct virtio_net *n)
{
	uint16_t used = *(volatile uint16_t *)&n->tx->used.idx;
	n->info->tx_done += (uint16_t)(used - n->tx_last);
	n->tx_last = used;
	return (uint16_t)(n->tx_avail - used);
}

/* The queue is full: completions interrupt from now on (virtio_net_irq stops them when
 * half the queue is free), so a sender told EAGAIN can sleep on tx_done.  A completion
 * the device made before it saw the flag is taken by the second look. */
static bool tx_full(struct virtio_net *n)
{
	if (tx_reap(n) < n->qsize)
		return false;
	n->tx->avail.flags = 0;
	__asm__ volatile("mfence" ::: "memory");
	return tx_reap(n) == n->qsize;
}

uint8_t *virtio_net_tx_buf(unsigned nic)
{
	struct virtio_net *n = &nics[nic];
	if ((uint16_t)(n->tx_avail - n->tx_last) == n->qsize && tx_full(n))
		return 0;
	uint8_t *b = n->buf[1][n->tx_avail & (n->qsize - 1)];
	__builtin_memset(b, 0, HDR); /* no offloads */
	return b + HDR;
}

void virtio_net_send(unsigned nic, uint32_t len)
{
	struct virtio_net *n = &nics[nic];
	uint16_t d = n->tx_avail & (n->qsize - 1);
	n->tx->desc[d].len = HDR + len;
	n->tx->avail.ring[d] = d;
	n->tx_avail++;
	n->info->tx_frames++;
}

void virtio_net_kick(unsigned nic)
{
	struct virtio_net *n = &nics[nic];
	if (n->tx_kicked == n->tx_avail)
		return;
	barrier(); /* descriptors and ring entries before the index */
	n->tx->avail.idx = n->tx_avail;
	n->tx_kicked = n->tx_avail;
	__asm__ volatile("mfence" ::: "memory");
	if (!(*(volatile uint16_t *)&n->tx->used.flags & VRING_USED_F_NO_NOTIFY))
		virtio_write(&n->dev, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
}

/* Every frame the device has posted: demultiplexed, its buffer posted again. */
static unsigned rx_reap(struct virtio_net *n)
{
	unsigned got = 0;
	uint16_t used;
	while ((used = *(volatile uint16_t *)&n->rx->used.idx) != n->rx_last) {
		barrier(); /* the index before the entries */
		struct vring_used_elem e = n->rx->used.ring[n->rx_last & (n->qsize - 1)];
		n->rx_last++;
		if (e.id >= n->qsize) {
			say(n, "the device returned a buffer it does not have");
			continue;
		}
		n->info->rx_frames++;
		if (e.len > HDR && e.len <= HDR + EXO_NET_FRAME_MAX)
			net_receive((unsigned)(n - nics), n->buf[0][e.id] + HDR, e.len - HDR);
		else
			n->info->rx_nomatch++; /* runt or oversized: no filter sees it */
		n->rx->avail.ring[n->rx->avail.idx & (n->qsize - 1)] = (uint16_t)e.id;
		barrier();
		n->rx->avail.idx++;
		got++;
	}
	return got;
}

void virtio_net_irq(struct virtio_net *n)
{
	n->info->irqs++;
	uint32_t isr = virtio_irq_ack(&n->dev);
	if (isr & VIRTIO_INT_CONFIG) {
		if (virtio_read(&n->dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) {
			say(n, "the device needs a reset (it found our ring bad); nic dead");
			virtio_reset(&n->dev);
			n->info->flags &= (uint16_t)~EXO_NIC_LINK_UP;
			return;
		}
		bool up = virtio_config(&n->dev, CFG_STATUS, 2) & NET_S_LINK_UP;
		n->info->flags = (uint16_t)((n->info->flags & ~EXO_NIC_LINK_UP) |
		                            (up ? EXO_NIC_LINK_UP : 0));
	}
	bool woke = false;
	if (!n->tx->avail.flags) { /* a sender may wait for room */
		uint16_t before = n->tx_last;
		if (tx_reap(n) <= n->qsize / 2)
			n->tx->avail.flags = VRING_AVAIL_F_NO_INTERRUPT;
		woke = n->tx_last != before;
	}
	if (rx_reap(n)) {
		__asm__ volatile("mfence" ::: "memory");
		/* Tell the device of the refill unless it said it needs no telling
		 * (VRING_USED_F_NO_NOTIFY, as the spec has it without EVENT_IDX).  A
		 * device that ran out of buffers stops taking frames until it hears
		 * (exosim pauses its backend, QEMU stops polling it): skipping the
		 * notification when our count said "plenty left" lost it whenever the
		 * device had used them all, and the link stalled under load. */
		if (!(*(volatile uint16_t *)&n->rx->used.flags & VRING_USED_F_NO_NOTIFY))
			virtio_write(&n->dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		woke = true;
	}
	if (woke && sleeping)
		wakeup_poll();
}
