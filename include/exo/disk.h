/* Disks: the kernel's secure binding for virtio-blk devices (docs/disk.md).
 *
 * The kernel finds each disk on its command line (virtio_mmio.device=...), owns
 * its virtqueue and exports what a libOS needs in exo_kinfo.disk[] (kinfo.h).
 * Blocks are named by EXO_CAP_DISK capabilities (cap.h): an extent, a run of
 * consecutive blocks of one disk, with EXO_RIGHT_READ / EXO_RIGHT_WRITE (and
 * GRANT / REVOKE to hand parts of it on, as with page runs: EXO_SYS_CAP_GRANT's
 * first and count are blocks of the extent).  The first environment holds a
 * root extent over every disk, in slot exo_kinfo.disk[i].root_cap.
 *
 * I/O is asynchronous.  EXO_SYS_DISK_IO takes a vector of requests, checks all
 * of them and submits them with one notification; each request's completion is
 * reported in the status page the environment registered (EXO_SYS_DISK_STATUS),
 * which a wakeup predicate (pred.h) can watch, so the libOS sleeps instead of
 * polling:
 *   word 0            a counter: +1 at each completion (of any request)
 *   word i (1..511)   the request whose status field is i: EXO_DISK_PENDING
 *                     from its submission until it completes, then 0 (done) or
 *                     -EXO_EIO (the device failed it), -EXO_ENOSYS (the device
 *                     does not support it).
 * A completion is written only if the environment still holds the status
 * page's capability (with EXO_RIGHT_WRITE) when the device finishes. */
#ifndef EXO_DISK_H
#define EXO_DISK_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define EXO_DISK_MAX 8 /* disks the kernel drives (virtio-mmio windows) */

/* EXO_CAP_DISK's object: the disk's index in exo_kinfo.disk[] in the top 16
 * bits, the extent's first block (absolute) in the low 48. */
#define EXO_DISK_CAP_SHIFT    48
#define EXO_DISK_CAP_DISK(o)  ((uint32_t)((o) >> EXO_DISK_CAP_SHIFT))
#define EXO_DISK_CAP_BLOCK(o) ((o) & ((1ul << EXO_DISK_CAP_SHIFT) - 1))

/* exo_disk_req.op */
#define EXO_DISK_READ                                                                              \
	0 /* device -> pages: needs EXO_RIGHT_READ on the extent and                               \
	     EXO_RIGHT_WRITE on the pages */
#define EXO_DISK_WRITE                                                                             \
	1 /* pages -> device: EXO_RIGHT_WRITE on the extent, EXO_RIGHT_READ                        \
	     on the pages */

/* Requests one EXO_SYS_DISK_IO takes at most. */
#define EXO_DISK_BATCH 64
/* The largest transfer of one request. */
#define EXO_DISK_REQ_MAX_BYTES (1u << 20)

/* The status page (see above). */
#define EXO_DISK_STATUS_WORDS 512
#define EXO_DISK_COUNTER      0 /* the completion counter's word */
#define EXO_DISK_PENDING      1 /* a status word while its request is in flight */

/* exo_disk_info.flags */
#define EXO_DISK_RO 0x1 /* read-only: writes fail with -EXO_EROFS */
#define EXO_DISK_FLUSH                                                                             \
	0x2 /* the device has a volatile cache: EXO_SYS_DISK_FLUSH                                 \
	       submits a flush; without it writes are durable when                                 \
	       they complete and a flush completes at once */
#define EXO_DISK_DEAD                                                                              \
	0x4 /* the device failed (NEEDS_RESET or no answer): every                                 \
	       request fails with -EXO_EIO */
#define EXO_DISK_BATCHED                                                                           \
	0x8 /* the device checks requests itself against a binding the kernel gives it             \
	       (exosim): EXO_SYS_DISK_BATCH, one capability check a batch */

#ifndef __ASSEMBLER__
/* One request of EXO_SYS_DISK_IO (32 bytes). */
struct exo_disk_req {
	int32_t extent;   /* slot of an EXO_CAP_DISK capability */
	uint32_t op;      /* EXO_DISK_READ or EXO_DISK_WRITE */
	uint64_t block;   /* the first block, counted from the extent's first */
	uint32_t nblocks; /* >= 1, at most EXO_DISK_REQ_MAX_BYTES of data */
	int32_t pages;    /* slot of an EXO_CAP_PAGE capability holding the buffer */
	uint32_t page;    /* the buffer starts at frame `page` of that run and spans
	                     nblocks * block_size bytes of consecutive frames of it */
	uint32_t status;  /* its word in the status page, 1..EXO_DISK_STATUS_WORDS-1 */
};
_Static_assert(sizeof(struct exo_disk_req) == 32, "exo_disk_req layout");

/* A disk as exo_kinfo.disk[i] describes it. */
struct exo_disk_info {
	uint64_t blocks;     /* capacity, in blocks */
	uint32_t block_size; /* bytes per block: the device's BLK_SIZE (512..4096), else 512 */
	uint32_t flags;      /* EXO_DISK_* */
	int32_t root_cap;    /* the first environment's slot for the root extent, -1 if none */
	uint32_t queue;      /* requests the device can have in flight (for all environments) */
	uint64_t mmio_base;  /* its virtio-mmio window, for messages */
};
#endif

#endif
