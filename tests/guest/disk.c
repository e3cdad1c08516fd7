/* disk: the disk capabilities and EXO_SYS_DISK_IO from the libOS's side
 * (tests/integration/disk.sh boots it with disks and checks the host files).
 *
 *   disk write SEED   write a pattern over all of disk 0 through three extents
 *                     granted from the root, batched, then flush
 *   disk read SEED    read disk 0 back through the root and check the pattern
 *   disk ro           disk 0 is read-only: writes and flushes refused, reads work
 *   disk errors       every refusal of DISK_IO, FLUSH and STATUS (exact errnos)
 *   disk revoke       a revoked extent stops I/O; its parent goes on
 *   disk isolate      two environments with disjoint extents cannot reach each
 *                     other's blocks
 *   disk batch        EXO_SYS_DISK_BATCH: its refusals, then each entry's own result
 *                     from the device (QEMU's disk takes none: ENOSYS)
 *   disk cost [ROUNDS] the TSC across EXO_SYS_DISK_IO of 1 and of 64 one-block
 *                     reads, waited for on the counter (medians; under QEMU with
 *                     -icount shift=0 a TSC cycle is an instruction: bench/disk_cost.sh)
 *
 * Word j of absolute block b holds (b << 32) | (j << 16) | SEED, little-endian. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exos/blk.h>
#include <exos/env.h>
#include <exos/sched.h>
#include <exos/vm.h>

#define TEST_NAME "disk"
#include "check.h"

#define REQ_BLOCKS 64 /* blocks per request in the pattern passes */

static uint64_t word(uint64_t b, uint64_t j, unsigned seed)
{
	return b << 32 | j << 16 | seed;
}

static void fill(uint64_t *p, uint64_t b, uint32_t n, uint32_t bs, unsigned seed)
{
	for (uint64_t k = 0; k < n; k++)
		for (uint64_t j = 0; j < bs / 8; j++)
			*p++ = word(b + k, j, seed);
}

/* The first bad word of n blocks from b, or -1. */
static long mismatch(const uint64_t *p, uint64_t b, uint32_t n, uint32_t bs, unsigned seed)
{
	for (uint64_t k = 0; k < n; k++)
		for (uint64_t j = 0; j < bs / 8; j++, p++)
			if (*p != word(b + k, j, seed))
				return (long)(k * bs / 8 + j);
	return -1;
}

static struct exos_blk root;
static const volatile struct exo_disk_info *info;

static int open_root(void)
{
	if (exo_kinfo()->ndisks < 1) {
		printf("disk: no disk\n");
		return 1;
	}
	info = &exo_kinfo()->disk[0];
	long r = exos_blk_open(&root, exos_blk_root(0));
	if (r < 0) {
		printf("disk: cannot open disk 0's root: %s\n", exos_strerror(r));
		return 1;
	}
	return 0;
}

/* Runs io[0..n), submitting what fits, waiting for all. */
static int run_all(const struct exos_blk *b, struct exos_blk_io *io, size_t n)
{
	size_t done = 0;
	while (done < n) {
		long r = exos_blk_submit(b, io + done, n - done);
		if (r < 0)
			return (int)r;
		if (r == 0 && exos_blk_wait(io, done) < 0)
			return -EXO_EIO;
		done += (size_t)r;
	}
	return exos_blk_wait(io, n);
}

/* Writes the pattern to, or reads and checks it from, every block of the
 * extents e[0..ne), REQ_BLOCKS a request, ROUND requests in flight at once,
 * each with its own page-aligned part of one buffer (extents may start at
 * any block).  0, the first error, or -EXO_EIO for a block that differs. */
#define ROUND 32
static int pass(struct exos_blk *e, int ne, uint32_t op, unsigned seed)
{
	static struct exos_blk_io io[ROUND];
	static char *buf;
	uint32_t bs = info->block_size, slot = REQ_BLOCKS * bs;
	uint32_t round =
	        EXO_DISK_REQ_MAX_BYTES / slot < ROUND ? EXO_DISK_REQ_MAX_BYTES / slot : ROUND;
	if (!buf && !(buf = exos_blk_buffer(EXO_DISK_REQ_MAX_BYTES)))
		return -EXO_ENOMEM;
	for (int x = 0; x < ne; x++) {
		uint64_t k = 0;
		while (k < e[x].nblocks) {
			size_t n = 0;
			for (; n < round && k < e[x].nblocks; n++, k += REQ_BLOCKS) {
				uint64_t left = e[x].nblocks - k;
				uint32_t nb = left < REQ_BLOCKS ? (uint32_t)left : REQ_BLOCKS;
				char *p = buf + n * slot;
				if (op == EXO_DISK_WRITE)
					fill((uint64_t *)p, e[x].first + k, nb, bs, seed);
				io[n] = (struct exos_blk_io){
				        .op = op, .block = k, .nblocks = nb, .buf = p};
			}
			int r = run_all(&e[x], io, n);
			if (r)
				return r;
			for (size_t i = 0; op == EXO_DISK_READ && i < n; i++)
				if (mismatch(io[i].buf, e[x].first + io[i].block, io[i].nblocks, bs,
				             seed) >= 0) {
					printf("disk: block %lu and on differ\n",
					       (unsigned long)(e[x].first + io[i].block));
					return -EXO_EIO;
				}
		}
	}
	return 0;
}

/* Three extents over all of disk 0, granted to ourselves from the root. */
static int three_extents(struct exos_blk e[3], unsigned rights)
{
	uint64_t n = info->blocks, cut[4] = {0, n / 3 + 1, 2 * n / 3 + 5, n};
	for (int x = 0; x < 3; x++) {
		long s = exo_cap_grant_part(root.cap, EXO_CAP_SELF, rights, cut[x],
		                            cut[x + 1] - cut[x]);
		if (s < 0 || exos_blk_open(&e[x], (int)s) < 0)
			return -1;
	}
	return 0;
}

static char *whole_disk_buffer(void)
{
	uint64_t bytes = info->blocks * info->block_size;
	/* One buffer per MiB at consecutive addresses: exos_blk_buffer allocates upwards. */
	char *buf = 0;
	for (uint64_t off = 0; off < bytes; off += EXO_DISK_REQ_MAX_BYTES) {
		uint64_t n =
		        bytes - off < EXO_DISK_REQ_MAX_BYTES ? bytes - off : EXO_DISK_REQ_MAX_BYTES;
		char *p = exos_blk_buffer(n);
		if (!p || (buf && p != buf + off))
			return 0;
		if (!buf)
			buf = p;
	}
	return buf;
}

static int do_write(unsigned seed)
{
	struct exos_blk e[3];
	if (three_extents(e, EXO_RIGHT_READ | EXO_RIGHT_WRITE) < 0) {
		printf("disk: set-up failed\n");
		return 1;
	}
	int r = pass(e, 3, EXO_DISK_WRITE, seed);
	CHECK(r == 0, "wrote %lu blocks through 3 extents: %s", (unsigned long)info->blocks,
	      exos_strerror(r));
	r = exos_blk_sync(&e[1]);
	CHECK(r == 0, "flush: %s", exos_strerror(r));
	return check_done();
}

static int do_read(unsigned seed)
{
	int r = pass(&root, 1, EXO_DISK_READ, seed);
	CHECK(r == 0, "read %lu blocks through the root, all with the pattern of seed %u: %s",
	      (unsigned long)info->blocks, seed, exos_strerror(r));
	return check_done();
}

static int do_ro(void)
{
	char *buf = exos_blk_buffer(4096);
	CHECK(info->flags & EXO_DISK_RO, "the disk says it is read-only");
	CHECK(!(root.rights & EXO_RIGHT_WRITE), "its root extent has no write right");
	ERR(exos_blk_write(&root, 0, 1, buf), EXO_EROFS, "write block 0");
	ERR(exos_blk_sync(&root), EXO_EROFS, "flush");
	long r = exos_blk_read(&root, 0, 8, buf);
	CHECK(r == 0, "read blocks 0-7: %s", exos_strerror(r));
	CHECK(mismatch((uint64_t *)buf, 0, 1, info->block_size, 7) < 0, "block 0 has the pattern");
	return check_done();
}

/* One raw request, for the exact errnos. */
static long raw(int extent, uint32_t op, uint64_t block, uint32_t nblocks, int pages, uint32_t page,
                uint32_t status)
{
	struct exo_disk_req r = {extent, op, block, nblocks, pages, page, status};
	long n = exo_disk_io(&r, 1);
	if (n == 1) { /* wait for it: the page must not change hands under it */
		volatile int64_t *st = (volatile int64_t *)EXOS_BLK_STATUS;
		while (st[status] == EXO_DISK_PENDING)
			exo_yield();
		return st[status] ? st[status] : 1;
	}
	return n;
}

static int do_errors(void)
{
	struct exo_page_grant g;
	long pages = exo_run_alloc(&g, 4, 0); /* a 4-frame run, writable */
	ERR(raw(exos_blk_root(0), EXO_DISK_READ, 0, 1, (int)pages, 0, 1), EXO_ENOENT,
	    "no status page registered yet");
	if (open_root())
		return 1;
	uint32_t bs = info->block_size, per_page = 4096 / bs;
	uint64_t last = info->blocks - 1;
	RET(raw(root.cap, EXO_DISK_READ, 0, 1, (int)pages, 0, 1), 1, "read block 0");
	RET(raw(root.cap, EXO_DISK_READ, last, 1, (int)pages, 0, 1), 1, "read the last block");
	RET(raw(root.cap, EXO_DISK_WRITE, last, 1, (int)pages, 3, 1), 1, "write the last block");
	ERR(raw(root.cap, EXO_DISK_READ, last + 1, 1, (int)pages, 0, 1), EXO_ENXIO,
	    "read the block after the last");
	ERR(raw(root.cap, EXO_DISK_READ, last, 2, (int)pages, 0, 1), EXO_ENXIO,
	    "read across the end");
	ERR(raw(root.cap, EXO_DISK_READ, ~0ul, 1, (int)pages, 0, 1), EXO_ENXIO,
	    "read block 2^64-1");
	ERR(raw(root.cap, EXO_DISK_READ, 0, 2, (int)pages, 0, 0), EXO_EINVAL, "status word 0");
	ERR(raw(root.cap, EXO_DISK_READ, 0, 2, (int)pages, 0, 512), EXO_EINVAL, "status word 512");
	ERR(raw(root.cap, 2, 0, 1, (int)pages, 0, 1), EXO_EINVAL, "op 2");
	ERR(raw(root.cap, EXO_DISK_READ, 0, 0, (int)pages, 0, 1), EXO_EINVAL, "0 blocks");
	ERR(raw(root.cap, EXO_DISK_READ, 0, EXO_DISK_REQ_MAX_BYTES / bs + 1, (int)pages, 0, 1),
	    EXO_EINVAL, "more than EXO_DISK_REQ_MAX_BYTES");
	ERR(raw(9999, EXO_DISK_READ, 0, 1, (int)pages, 0, 1), EXO_EBADF, "an empty extent slot");
	ERR(raw((int)pages, EXO_DISK_READ, 0, 1, (int)pages, 0, 1), EXO_EINVAL,
	    "a page capability as the extent");
	/* The buffer must be frames we hold. */
	ERR(raw(root.cap, EXO_DISK_READ, 0, 1, 9999, 0, 1), EXO_EFAULT, "an empty page slot");
	ERR(raw(root.cap, EXO_DISK_READ, 0, 1, root.cap, 0, 1), EXO_EFAULT,
	    "the extent as the pages");
	ERR(raw(root.cap, EXO_DISK_READ, 0, 1, (int)pages, 4, 1), EXO_EFAULT,
	    "a frame past the run");
	ERR(raw(root.cap, EXO_DISK_READ, 0, 4 * per_page + 1, (int)pages, 0, 1), EXO_EFAULT,
	    "a transfer longer than the run");
	RET(raw(root.cap, EXO_DISK_READ, 0, 4 * per_page, (int)pages, 0, 1), 1,
	    "a transfer as long as the run");
	/* Rights: the extent's for the op, the pages' the other way round. */
	long ro_ext = exo_cap_grant_part(root.cap, EXO_CAP_SELF, EXO_RIGHT_READ, 0, 16);
	ERR(raw((int)ro_ext, EXO_DISK_WRITE, 0, 1, (int)pages, 0, 1), EXO_EACCES,
	    "write through a read-only extent");
	ERR(exo_disk_flush((int)ro_ext, 1), EXO_EACCES, "flush through a read-only extent");
	long wo_ext = exo_cap_grant_part(root.cap, EXO_CAP_SELF, EXO_RIGHT_WRITE, 0, 16);
	ERR(raw((int)wo_ext, EXO_DISK_READ, 0, 1, (int)pages, 0, 1), EXO_EACCES,
	    "read through a write-only extent");
	long ro_pages = exo_cap_grant((int)pages, EXO_CAP_SELF, EXO_RIGHT_READ | EXO_RIGHT_MAP);
	ERR(raw(root.cap, EXO_DISK_READ, 0, 1, (int)ro_pages, 0, 1), EXO_EACCES,
	    "read into read-only pages");
	RET(raw(root.cap, EXO_DISK_WRITE, 0, 1, (int)ro_pages, 0, 1), 1,
	    "write from read-only pages");
	/* An extent reaches only its own blocks. */
	ERR(raw((int)ro_ext, EXO_DISK_READ, 16, 1, (int)pages, 0, 1), EXO_EPERM,
	    "read the block after a 16-block extent");
	ERR(raw((int)ro_ext, EXO_DISK_READ, 15, 2, (int)pages, 0, 1), EXO_EPERM,
	    "read across the extent's end");
	ERR(exo_cap_grant_part((int)ro_ext, EXO_CAP_SELF, EXO_RIGHT_READ, 0, 1), EXO_EPERM,
	    "grant from an extent without the grant right");
	ERR(exo_cap_grant_part(root.cap, EXO_CAP_SELF, EXO_RIGHT_READ, last, 2), EXO_EINVAL,
	    "grant an extent reaching past the disk");
	long edge = exo_cap_grant_part(root.cap, EXO_CAP_SELF, EXO_RIGHT_READ, last, 1);
	RET(raw((int)edge, EXO_DISK_READ, 0, 1, (int)pages, 0, 1), 1,
	    "read through an extent of the last block");
	ERR(raw((int)edge, EXO_DISK_READ, 1, 1, (int)pages, 0, 1), EXO_ENXIO,
	    "read past the device through it");
	/* The vector and the call. */
	struct exo_disk_req v[EXO_DISK_BATCH + 1];
	ERR(exo_disk_io(v, 0), EXO_EINVAL, "0 requests");
	ERR(exo_disk_io(v, EXO_DISK_BATCH + 1), EXO_EINVAL, "EXO_DISK_BATCH + 1 requests");
	ERR(exo_disk_io((const void *)0x10, 1), EXO_EFAULT, "an unreadable vector");
	for (int i = 0; i < 3; i++)
		v[i] = (struct exo_disk_req){root.cap,   EXO_DISK_READ, (uint64_t)i,       1,
		                             (int)pages, (uint32_t)i,   (uint32_t)(10 + i)};
	v[2].block = last + 1;
	volatile int64_t *st = (volatile int64_t *)EXOS_BLK_STATUS;
	st[10] = st[11] = 77;
	ERR(exo_disk_io(v, 3), EXO_ENXIO, "a vector whose third request is bad");
	CHECK(st[10] == 77 && st[11] == 77, "nothing of it was submitted");
	/* Flush and status registration. */
	ERR(exo_disk_flush(9999, 1), EXO_EBADF, "flush an empty slot");
	ERR(exo_disk_flush(root.cap, 0), EXO_EINVAL, "flush into status word 0");
	RET(exo_disk_flush(root.cap, 1), 0, "flush");
	ERR(exo_disk_status((int)ro_pages, 0), EXO_EPERM, "a read-only status page");
	ERR(exo_disk_status((int)pages, 4), EXO_EINVAL, "a status page past the run");
	ERR(exo_disk_status(9999, 0), EXO_EBADF, "an empty slot as the status page");
	return check_done();
}

static int do_revoke(void)
{
	long sub = exo_cap_grant_part(root.cap, EXO_CAP_SELF, EXO_RIGHT_READ | EXO_RIGHT_GRANT, 100,
	                              50);
	long subsub = exo_cap_grant_part((int)sub, EXO_CAP_SELF, EXO_RIGHT_READ, 10, 5);
	struct exos_blk s, ss;
	char *buf = exos_blk_buffer(4096);
	CHECK(exos_blk_open(&s, (int)sub) == 0 && exos_blk_open(&ss, (int)subsub) == 0,
	      "an extent of 50 blocks and one of 5 inside it");
	RET(exos_blk_read(&s, 0, 1, buf), 0, "read through the extent");
	RET(exos_blk_read(&ss, 4, 1, buf), 0, "read through the inner extent");
	RET(exo_cap_revoke_part(root.cap, 100, 1), 2, "revoke the blocks' extents from the root");
	ERR(exos_blk_read(&s, 0, 1, buf), EXO_EBADF, "read through the revoked extent");
	ERR(exos_blk_read(&ss, 4, 1, buf), EXO_EBADF, "read through the inner one");
	RET(exos_blk_read(&root, 100, 1, buf), 0, "read the same block through the root");

	/* A page under I/O does not change hands: releasing the buffer's capability
	 * with reads into it in flight waits for them. */
	struct exo_page_grant g;
	long run = exo_run_alloc(&g, 16 * 16, 0);
	struct exo_disk_req v[16];
	volatile int64_t *st = (volatile int64_t *)EXOS_BLK_STATUS;
	for (int i = 0; i < 16; i++)
		v[i] = (struct exo_disk_req){root.cap, EXO_DISK_READ, (uint64_t)i * 64,   8,
		                             (int)run, (uint32_t)i,   (uint32_t)(100 + i)};
	RET(exo_disk_io(v, 16), 16, "16 reads into a 16-frame run");
	int before = 0, after = 0;
	for (int i = 0; i < 16; i++)
		before += st[100 + i] == EXO_DISK_PENDING;
	RET(exo_cap_release((int)run), 0, "release the run's capability at once");
	for (int i = 0; i < 16; i++)
		after += st[100 + i] == EXO_DISK_PENDING;
	CHECK(after == 0, "none in flight after the release (%d were before it)", before);

	/* Nor does a page requests report into: releasing the capability the status page
	 * was registered through waits for them too (here a copy of our own status page's
	 * capability: the page stays ours, and shows every result). */
	uint32_t sfirst;
	long scap = exos_frame_cap(exos_pfn(EXOS_BLK_STATUS), &sfirst);
	long copy = exo_cap_grant_part((int)scap, EXO_CAP_SELF, EXO_RIGHT_READ | EXO_RIGHT_WRITE,
	                               sfirst, 1);
	CHECK(scap >= 0 && copy >= 0, "a copy of the status page's capability");
	RET(exo_disk_status((int)copy, 0), 0, "the status page registered through the copy");
	run = exo_run_alloc(&g, 16 * 16, 0);
	for (int i = 0; i < 16; i++)
		v[i] = (struct exo_disk_req){root.cap, EXO_DISK_READ, (uint64_t)i * 64,   8,
		                             (int)run, (uint32_t)i,   (uint32_t)(200 + i)};
	uint64_t done0 = (uint64_t)st[EXO_DISK_COUNTER];
	RET(exo_disk_io(v, 16), 16, "16 reads reporting into it");
	RET(exo_cap_release((int)copy), 0, "release the copy at once");
	after = 0;
	for (int i = 0; i < 16; i++)
		after += st[200 + i] != 0;
	CHECK(after == 0 && (uint64_t)st[EXO_DISK_COUNTER] - done0 == 16,
	      "all 16 completed and reported before the release returned (%d not)", after);
	RET(exo_disk_status((int)scap, sfirst), 0, "the status page through its own again");
	return check_done();
}

/* isolate: the child gets [half, blocks - 16) and writes its half's pattern (seed
 * 2); the parent, with [0, half), writes seed 1.  Each fails with EPERM
 * past its extent; the root then sees both halves intact. */
struct shared {
	long slot; /* the child's extent, in its table */
	long mine; /* ours, in our table */
};

static int child(void *arg)
{
	volatile struct shared *sh = arg;
	struct exos_blk e;
	while (!sh->slot)
		exo_yield();
	if (exos_blk_open(&e, (int)sh->slot) < 0)
		return 10;
	char *buf = exos_blk_buffer(EXO_DISK_REQ_MAX_BYTES);
	uint32_t n = (uint32_t)e.nblocks;
	if (n * e.block_size > EXO_DISK_REQ_MAX_BYTES)
		return 11;
	fill((uint64_t *)buf, e.first, n, e.block_size, 2);
	if (exos_blk_write(&e, 0, n, buf))
		return 12;
	if (exos_blk_read(&e, n, 1, buf) != -EXO_EPERM)
		return 13;
	if (exos_blk_write(&e, ~0ul - 1, 1, buf) != -EXO_ENXIO)
		return 14;
	/* The parent's slot number names nothing of the parent's here. */
	struct exos_blk theirs = e;
	theirs.cap = (int)sh->mine;
	if (theirs.cap != e.cap && exos_blk_read(&theirs, 0, 1, buf) >= 0)
		return 15;
	return 0;
}

static int do_isolate(void)
{
	/* A page of its own: the child shares it. */
	static volatile union {
		struct shared s;
		char page[4096];
	} shp __attribute__((aligned(4096)));
	volatile struct shared *sh = &shp.s;
	uint64_t half = info->blocks / 2, end = info->blocks - 16; /* the last 16: nobody's */
	long id = exos_env_spawn_shared(child, (void *)sh, "disk-child", (uint64_t)&shp, 1);
	if (id < 0) {
		printf("disk: spawn: %s\n", exos_strerror(id));
		return 1;
	}
	long mine = exo_cap_grant_part(root.cap, EXO_CAP_SELF, EXO_RIGHT_READ | EXO_RIGHT_WRITE, 0,
	                               half);
	long theirs = exo_cap_grant_part(root.cap, (int)exos_env_cap((uint32_t)id),
	                                 EXO_RIGHT_READ | EXO_RIGHT_WRITE, half, end - half);
	CHECK(mine > 0 && theirs > 0, "extents [0, %lu) for us and [%lu, %lu) for the child",
	      (unsigned long)half, (unsigned long)half, (unsigned long)end);
	sh->mine = mine;
	sh->slot = theirs;
	exos_env_start((uint32_t)id);
	struct exos_blk e;
	exos_blk_open(&e, (int)mine);
	char *buf = whole_disk_buffer();
	fill((uint64_t *)buf, 0, (uint32_t)half, e.block_size, 1);
	RET(exos_blk_write(&e, 0, (uint32_t)half, buf), 0, "write our half");
	ERR(exos_blk_read(&e, half, 1, buf), EXO_EPERM, "read the child's first block");
	ERR(exos_blk_write(&e, half - 1, 2, buf), EXO_EPERM, "write across into the child's half");
	long st = exos_env_wait((uint32_t)id);
	CHECK(st == 0, "the child wrote its half and was refused past it (status %ld)", st);
	struct exos_blk halves[2];
	long a = exo_cap_grant_part(root.cap, EXO_CAP_SELF, EXO_RIGHT_READ, 0, half);
	long b = exo_cap_grant_part(root.cap, EXO_CAP_SELF, EXO_RIGHT_READ, half, end - half);
	exos_blk_open(&halves[0], (int)a);
	exos_blk_open(&halves[1], (int)b);
	RET(pass(&halves[0], 1, EXO_DISK_READ, 1), 0, "our half has our pattern");
	RET(pass(&halves[1], 1, EXO_DISK_READ, 2), 0, "the child's half has its pattern");
	return check_done();
}

static uint64_t median(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1], v[j - 1] = t;
		}
	return v[n / 2];
}

/* TSC cycles of one DISK_IO call submitting k one-block reads; then waits. */
static uint64_t timed_io(int k, int pages)
{
	struct exo_disk_req v[EXO_DISK_BATCH];
	volatile int64_t *st = (volatile int64_t *)EXOS_BLK_STATUS;
	for (int i = 0; i < k; i++)
		v[i] = (struct exo_disk_req){root.cap, EXO_DISK_READ,    (uint64_t)i, 1, pages,
		                             0,        (uint32_t)(1 + i)};
	uint64_t want = (uint64_t)st[EXO_DISK_COUNTER] + (uint64_t)k;
	uint64_t t0 = exo_rdtsc();
	long r = exo_disk_io(v, (size_t)k);
	uint64_t t1 = exo_rdtsc();
	struct exo_pred_term t = {.op = EXO_PRED_GE,
	                          .lhs_kind = EXO_OPND_MEM,
	                          .rhs_kind = EXO_OPND_CONST,
	                          .lhs = EXOS_BLK_STATUS,
	                          .rhs = want};
	while (r == k && (uint64_t)st[EXO_DISK_COUNTER] < want)
		exo_wait(&t, 1);
	return r == k ? t1 - t0 : 0;
}

static int do_cost(int rounds)
{
	static uint64_t one[101], many[101];
	struct exo_page_grant g;
	long pages = exo_run_alloc(&g, 1, 0);
	if (rounds < 1 || rounds > 101 || pages < 0)
		return 2;
	uint64_t irqs0 = exo_kinfo()->disk_irqs;
	for (int i = 0; i < rounds; i++) {
		one[i] = timed_io(1, (int)pages);
		many[i] = timed_io(EXO_DISK_BATCH, (int)pages);
		if (!one[i] || !many[i])
			return 1;
	}
	uint64_t irqs = exo_kinfo()->disk_irqs - irqs0;
	/* The checks alone: 64 requests, the last one bad, so none is submitted. */
	static uint64_t chk1[101], chk64[101];
	struct exo_disk_req v[EXO_DISK_BATCH];
	for (int i = 0; i < EXO_DISK_BATCH; i++)
		v[i] = (struct exo_disk_req){root.cap, EXO_DISK_READ,    (uint64_t)i, 1, (int)pages,
		                             0,        (uint32_t)(1 + i)};
	v[EXO_DISK_BATCH - 1].nblocks = 0;
	for (int i = 0; i < rounds; i++) {
		uint64_t t0 = exo_rdtsc();
		exo_disk_io(&v[EXO_DISK_BATCH - 1], 1);
		uint64_t t1 = exo_rdtsc();
		exo_disk_io(v, EXO_DISK_BATCH);
		uint64_t t2 = exo_rdtsc();
		chk1[i] = t1 - t0, chk64[i] = t2 - t1;
	}
	uint64_t c1 = median(chk1, rounds), c64 = median(chk64, rounds);
	printf("disk_cost: refused1=%lu refused64=%lu check_per_request=%lu\n", (unsigned long)c1,
	       (unsigned long)c64, (unsigned long)((c64 - c1) / (EXO_DISK_BATCH - 1)));
	uint64_t m1 = median(one, rounds), m64 = median(many, rounds);
	printf("disk_cost: rounds=%d io1=%lu io64=%lu per_request=%lu irqs_per_round=%lu.%02lu "
	       "tsc_khz=%lu\n",
	       rounds, (unsigned long)m1, (unsigned long)m64,
	       (unsigned long)((m64 - m1) / (EXO_DISK_BATCH - 1)), (unsigned long)(irqs / rounds),
	       (unsigned long)(irqs * 100 / rounds % 100), (unsigned long)exo_kinfo()->tsc_khz);
	return 0;
}

/* Waits until the status page's counter reaches `count` (a predicate: no polling). */
static long wait_count(uint64_t count)
{
	volatile uint64_t *c = (volatile uint64_t *)EXOS_BLK_STATUS + EXO_DISK_COUNTER;
	return exos_wait_word(c, EXO_PRED_GE, count, 5000000000ull);
}

static int do_batch(void)
{
	volatile int64_t *st = (volatile int64_t *)EXOS_BLK_STATUS;
	uint32_t bs = info->block_size, per = 4096 / bs, first;
	char *buf = exos_blk_buffer(4 * 4096);
	long pages = exos_frame_cap(exos_pfn((uint64_t)buf), &first);
	CHECK(pages >= 0, "a 4-page buffer run");
	struct exo_disk_req v[5] = {
	        {.block = 0, .nblocks = per, .page = first, .status = 300},
	        {.block = info->blocks - 1, .nblocks = 2, .page = first, .status = 301},
	        {.block = 0, .nblocks = 0, .page = first, .status = 302},
	        {.block = 8, .nblocks = per, .page = first + 4, .status = 303},
	        {.block = 8, .nblocks = per, .page = first + 3, .status = 304},
	};
	if (!(info->flags & EXO_DISK_BATCHED)) {
		ERR(exo_disk_batch(root.cap, (int)pages, EXO_DISK_READ, v, 1), EXO_ENOSYS,
		    "a disk that takes no batches");
		return check_done();
	}
	ERR(exo_disk_batch(root.cap, (int)pages, EXO_DISK_READ, v, 0), EXO_EINVAL, "0 entries");
	ERR(exo_disk_batch(root.cap, (int)pages, EXO_DISK_READ, v, EXO_DISK_BATCH + 1), EXO_EINVAL,
	    "EXO_DISK_BATCH + 1 entries");
	ERR(exo_disk_batch(root.cap, (int)pages, 2, v, 1), EXO_EINVAL, "an unknown operation");
	ERR(exo_disk_batch(9999, (int)pages, EXO_DISK_READ, v, 1), EXO_EBADF, "no extent");
	ERR(exo_disk_batch(root.cap, root.cap, EXO_DISK_READ, v, 1), EXO_EFAULT,
	    "an extent as the buffer's capability");
	long ro = exo_cap_grant_part((int)pages, EXO_CAP_SELF, EXO_RIGHT_READ, first, 4);
	ERR(exo_disk_batch(root.cap, (int)ro, EXO_DISK_READ, v, 1), EXO_EACCES,
	    "reading into pages held without WRITE");
	ERR(exo_disk_batch(root.cap, (int)pages, EXO_DISK_READ, (const void *)0x10, 1), EXO_EFAULT,
	    "an unreadable vector");
	/* The device reads the entries where they are: 8-aligned, so no field crosses a
	 * page; this vector's first two entries end its first page, the rest begin the
	 * next one. */
	static struct exo_disk_req across[256] __attribute__((aligned(4096)));
	ERR(exo_disk_batch(root.cap, (int)pages, EXO_DISK_READ,
	                   (const struct exo_disk_req *)((const char *)across + 4), 1),
	    EXO_EINVAL, "a vector not 8-aligned");
	struct exo_disk_req *vec = &across[4096 / sizeof(across[0]) - 2];
	memcpy(vec, v, sizeof(v));

	/* Each entry's own result, from the device. */
	uint64_t c0 = (uint64_t)st[EXO_DISK_COUNTER];
	for (int i = 0; i < 5; i++)
		st[v[i].status] = EXO_DISK_PENDING;
	RET(exo_disk_batch(root.cap, (int)pages, EXO_DISK_READ, vec, 5), 5,
	    "a batch of 5 reads, its vector across a page");
	RET(wait_count(c0 + 5), 0, "all 5 reported (one predicate on the counter)");
	CHECK(st[300] == 0 && mismatch((uint64_t *)buf, 0, per, bs, 3) < 0,
	      "entry 0: blocks 0.., with the pattern (%ld)", (long)st[300]);
	CHECK(st[301] == -EXO_ENXIO, "entry 1: past the disk: ENXIO (%ld)", (long)st[301]);
	CHECK(st[302] == -EXO_EINVAL, "entry 2: no blocks: EINVAL (%ld)", (long)st[302]);
	CHECK(st[303] == -EXO_EFAULT, "entry 3: past the run: EFAULT (%ld)", (long)st[303]);
	CHECK(st[304] == 0 && mismatch((uint64_t *)(buf + 3 * 4096), 8, per, bs, 3) < 0,
	      "entry 4: blocks 8.. into the run's last page (%ld)", (long)st[304]);

	/* Through an extent of 10 blocks from block 100: its own blocks only. */
	long sub = exo_cap_grant_part(root.cap, EXO_CAP_SELF, EXO_RIGHT_READ, 100, 10);
	CHECK(sub >= 0, "an extent of blocks 100..109");
	struct exo_disk_req w[2] = {{.block = 9, .nblocks = 2, .page = first, .status = 310},
	                            {.block = 0, .nblocks = 1, .page = first + 1, .status = 311}};
	st[310] = st[311] = EXO_DISK_PENDING;
	c0 = (uint64_t)st[EXO_DISK_COUNTER];
	RET(exo_disk_batch((int)sub, (int)pages, EXO_DISK_READ, w, 2), 2, "a batch through it");
	RET(wait_count(c0 + 2), 0, "both reported");
	CHECK(st[310] == -EXO_EPERM, "past the extent: EPERM (%ld)", (long)st[310]);
	CHECK(st[311] == 0 && mismatch((uint64_t *)(buf + 4096), 100, 1, bs, 3) < 0,
	      "its block 0 is the disk's block 100 (%ld)", (long)st[311]);
	ERR(exo_disk_batch((int)sub, (int)pages, EXO_DISK_WRITE, w, 1), EXO_EACCES,
	    "writing through an extent without WRITE");
	return check_done();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned seed = argc > 2 ? (unsigned)atoi(argv[2]) : 0;
	if (!strcmp(mode, "errors"))
		return do_errors(); /* opens the root itself, after a check */
	if (open_root())
		return 1;
	if (!strcmp(mode, "write"))
		return do_write(seed);
	if (!strcmp(mode, "read"))
		return do_read(seed);
	if (!strcmp(mode, "ro"))
		return do_ro();
	if (!strcmp(mode, "revoke"))
		return do_revoke();
	if (!strcmp(mode, "isolate"))
		return do_isolate();
	if (!strcmp(mode, "batch"))
		return do_batch();
	if (!strcmp(mode, "cost"))
		return do_cost(argc > 2 ? atoi(argv[2]) : 21);
	printf("usage: disk write|read SEED | ro | errors | revoke | isolate\n");
	return 2;
}
