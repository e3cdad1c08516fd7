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

/* Who a request reports to (disk.c), kept with it while it is in flight. */
struct vblk_owner {
	uint64_t status_pfn;  /* the status page */
	uint32_t status_node; /* its capability's node + 1 */
	uint32_t env_id;
	uint16_t env_slot;
	uint16_t word; /* the request's status word */
};

struct virtio_blk;

/* Requests in flight on every disk: nonzero means a page capability that dies
 * must first wait for the I/O into its frames (virtio_blk_drain_frames). */
extern uint32_t vblk_inflight;

/* Negotiates, sets up the queue, reads the configuration and publishes the
 * disk in exo_kinfo.disk[index]; NULL (one line said) if the device will not
 * do. */
struct virtio_blk *virtio_blk_attach(struct virtio_dev *d, unsigned index);

/* Queues one request on disk `disk` (< exo_kinfo.ndisks; type VIRTIO_BLK_T_*;
 * `block` absolute; the buffer, len bytes of physically contiguous memory,
 * absent for a flush) without telling the device: 0, or -EXO_EAGAIN when the
 * queue is full. */
int virtio_blk_queue(unsigned disk, uint32_t type, uint64_t block, uint64_t buf_pa, uint32_t len,
                     const struct vblk_owner *who);
/* Tells the device about what was queued, if it wants to hear (EVENT_IDX). */
void virtio_blk_kick(unsigned disk);

/* The device's interrupt: acknowledge it, report what completed. */
void virtio_blk_irq(struct virtio_blk *b);

/* Waits until no request in flight reads or writes frames [pfn, pfn + n):
 * their pages are about to change hands. */
void virtio_blk_drain_frames(uint64_t pfn, uint64_t n);

/* disk.c: a request finished with result 0 or -EXO_E*. */
void disk_complete(const struct vblk_owner *who, int result);

#endif
