/* ExOS's block interface: asynchronous, batched reads, writes and flushes over
 * a disk extent capability (the kernel's ABI: <exo/disk.h>; docs/disk.md).
 *
 *   struct exos_blk b;
 *   exos_blk_open(&b, exos_blk_root(0));         // the whole of disk 0
 *   void *buf = exos_blk_buffer(64 * 1024);
 *   struct exos_blk_io io[2] = {{.op = EXO_DISK_READ, .block = 0, .nblocks = 64, .buf = buf},
 *                               {.op = EXO_DISK_READ, .block = 64, .nblocks = 64,
 *                                .buf = (char *)buf + 32768}};
 *   exos_blk_submit(&b, io, 2);                  // one kernel crossing
 *   ...                                          // compute meanwhile
 *   exos_blk_wait(io, 2);                        // sleeps on a wakeup predicate
 *
 * A buffer is page-aligned and lies in one physically contiguous run of frames
 * the process holds with one capability (exos_blk_buffer gives such memory;
 * memory from exos_map_run also qualifies up to its 2 MiB runs).  Requests in
 * flight at once are bounded by the status page (EXO_DISK_STATUS_WORDS - 1)
 * and by the device's queue (exo_kinfo()->disk[i].queue): exos_blk_submit
 * submits what fits and says how many. */
#ifndef EXOS_BLK_H
#define EXOS_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exos/sys.h>

/* Where the status page and the buffers of exos_blk_buffer live (see vm.h's
 * list of ExOS's regions). */
#define EXOS_BLK_STATUS EXO_UL(0x7d0000600000)
#define EXOS_BLK_BUF    EXO_UL(0x7d0100000000)

/* An extent opened for I/O. */
struct exos_blk {
	int cap;             /* the EXO_CAP_DISK slot */
	unsigned disk;       /* its index in exo_kinfo()->disk[] */
	uint64_t first;      /* its first block on the disk */
	uint64_t nblocks;    /* its length */
	uint32_t block_size; /* bytes */
	uint32_t rights;     /* EXO_RIGHT_* */
};

/* One request. */
struct exos_blk_io {
	uint32_t op;      /* EXO_DISK_READ, EXO_DISK_WRITE, or EXOS_BLK_FLUSH */
	uint32_t nblocks; /* >= 1 (ignored for a flush) */
	uint64_t block;   /* the first block, counted from the extent's first */
	void *buf;        /* page-aligned, nblocks * block_size bytes */
	int result;       /* after exos_blk_wait: 0 or -EXO_E* */
	uint16_t word;    /* private: its status word while in flight, else 0 */
};
#define EXOS_BLK_FLUSH 0x100

/* The first environment's root extent over disk i (exo_kinfo()->disk[i].root_cap),
 * or -EXO_ENOENT. */
int exos_blk_root(unsigned disk);

/* Opens the extent in slot cap: 0 or -EXO_E* (not a disk capability).  The
 * first open registers the process's status page with the kernel. */
int exos_blk_open(struct exos_blk *b, int cap);

/* bytes of zeroed memory fit for a request's buffer (rounded up to pages, at
 * most EXO_DISK_REQ_MAX_BYTES), or NULL. */
void *exos_blk_buffer(size_t bytes);

/* Submits io[0..n) in one kernel crossing per EXO_DISK_BATCH: returns how many
 * were submitted (the first ones; fewer when status words or the device's
 * queue ran out: wait for some and submit the rest), or -EXO_E* if none was
 * (the kernel's errors for a bad request, <exo/syscall.h>).  On a disk that
 * takes batches (EXO_DISK_BATCHED: exosim's), several reads or writes into one
 * buffer run go as one EXO_SYS_DISK_BATCH, which the device checks request by
 * request: a request it refuses reports its error in io->result instead.  A flush makes
 * durable the writes that completed before it. */
long exos_blk_submit(const struct exos_blk *b, struct exos_blk_io *io, size_t n);

/* Has the submitted io completed? (No kernel crossing.) */
bool exos_blk_done(const struct exos_blk_io *io);

/* Sleeps until every submitted request of io[0..n) has completed, sets their
 * results and frees their status words: 0, or the first request's error. */
int exos_blk_wait(struct exos_blk_io *io, size_t n);

/* For a new environment (exos_env_main): the parent's status page and buffers
 * are not ours. */
void exos_blk_forget(void);

/* Synchronous helpers: one request (or flush), submitted and waited for. */
int exos_blk_read(const struct exos_blk *b, uint64_t block, uint32_t nblocks, void *buf);
int exos_blk_write(const struct exos_blk *b, uint64_t block, uint32_t nblocks, const void *buf);
int exos_blk_sync(const struct exos_blk *b);

#endif
