/* The virtio-blk driver (kernel side; exosim's device is hostsim/virtio_blk.c): one per disk,
 * owning the disk's one virtqueue.  It knows nothing of capabilities: disk.c checks every request,
 * then hands it here with the physical buffer and who to report to. */
#ifndef KERNEL_VIRTIO_DISK_H
#define KERNEL_VIRTIO_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/disk.h>

#include "virtio.h"

/* virtio-blk request types. */
#define VIRTIO_BLK_T_IN    0
#define VIRTIO_BLK_T_OUT   1
#define VIRTIO_BLK_T_FLUSH 4

/* One checked request (disk.c) for virtio_blk_submit: where it goes and what it moves,
 * and the status word it reports to (through the direct map; word 0 of its page counts
 * completions).  That page cannot change hands while the request is in flight: a page
 * capability that dies waits for the requests that report into its frames as for those
 * that read or write them (virtio_blk_drain_frames), so a completion needs no check. */
struct vblk_req {
	uint64_t block;  /* absolute */
	uint64_t buf_pa; /* len bytes of physically contiguous memory; none for a flush */
	uint32_t len;
	uint16_t type;   /* VIRTIO_BLK_T_* */
	uint16_t disk;   /* < exo_kinfo.ndisks */
	int64_t *status; /* set to EXO_DISK_PENDING when queued */
};

struct virtio_blk;

/* Requests in flight on every disk: nonzero means a page capability that dies
 * must first wait for the I/O into its frames (virtio_blk_drain_frames). */
extern uint32_t vblk_inflight;

/* Negotiates, sets up the queue, reads the configuration and publishes the
 * disk in exo_kinfo.disk[index]; NULL (one line said) if the device will not
 * do. */
struct virtio_blk *virtio_blk_attach(struct virtio_dev *d, unsigned index);

/* Queues r[0..n) in order, each on its disk, and tells each disk that got any once (if
 * it wants to hear: EVENT_IDX): how many were queued, fewer than n when a queue filled. */
size_t virtio_blk_submit(const struct vblk_req *r, size_t n);

/* A batch's entries where the caller wrote them: one or two physical pieces (the vector
 * may cross a page; len[1] 0: one), in frames the caller has mapped readable.  The
 * device reads them there (it trusts no entry); the frames are held like a buffer's. */
struct vblk_vec {
	uint64_t pa[2];
	uint32_t len[2];
};

/* Batches (include/hw/exo_blk.h), on a disk with EXO_DISK_BATCHED: where the next
 * batch's binding goes (kernel memory), or NULL when none is free or the queue is
 * full; then virtio_blk_batch_submit(disk, its entries, word 0 of the status page)
 * queues it and tells the device. */
struct exo_blk_batch;
struct exo_blk_batch *virtio_blk_batch_area(unsigned disk);
void virtio_blk_batch_submit(unsigned disk, const struct vblk_vec *v, int64_t *status_page);

/* The device's interrupt: acknowledge it, report what completed. */
void virtio_blk_irq(struct virtio_blk *b);

/* Waits until no request in flight reads, writes or reports into frames [pfn, pfn + n):
 * their pages are about to change hands. */
void virtio_blk_drain_frames(uint64_t pfn, uint64_t n);

#endif
