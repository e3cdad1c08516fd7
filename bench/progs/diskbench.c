/* diskbench: disk throughput through ExOS's block interface, as bench/disk.sh
 * compares it with fio on the host.
 *
 *   diskbench read|write|randread BLOCK_BYTES DEPTH OPS
 *
 * Submits DEPTH requests of BLOCK_BYTES on disk 0's root extent in one batch, and
 * the next DEPTH when all of them are done, until OPS have completed: sequential from block 0
 * (wrapping at the disk's end) for read and write, uniformly random aligned offsets for randread.
 * Prints one line: "diskbench MODE bytes=B ns=T MBps=M iops=I".  Exit status 0, or 1 with a line on
 * stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/kinfo.h>
#include <exos/blk.h>

#define DEPTH_MAX 256

static int fail(const char *what, long err)
{
	fprintf(stderr, "diskbench: %s%s%s\n", what, err ? ": " : "",
	        err ? exos_strerror(err) : "");
	return 1;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	if (argc != 5)
		return fail("usage: diskbench read|write|randread BLOCK_BYTES DEPTH OPS", 0);
	const char *mode = argv[1];
	bool write = !strcmp(mode, "write"), random = !strcmp(mode, "randread");
	unsigned long bytes = strtoul(argv[2], NULL, 0), depth = strtoul(argv[3], NULL, 0);
	unsigned long ops = strtoul(argv[4], NULL, 0);
	if ((!write && !random && strcmp(mode, "read")) || !bytes || bytes % 4096 ||
	    bytes > EXO_DISK_REQ_MAX_BYTES || !depth || depth > DEPTH_MAX || !ops)
		return fail("usage: diskbench read|write|randread BLOCK_BYTES(4K..1M) "
		            "DEPTH(1..256) OPS",
		            0);

	struct exos_blk b;
	int root = exos_blk_root(0);
	long r = root < 0 ? root : exos_blk_open(&b, root);
	if (r < 0)
		return fail("no disk 0 (exosim --disk FILE)", r);
	uint32_t per = (uint32_t)(bytes / b.block_size);
	uint64_t slots = b.nblocks / per; /* request-sized positions on the disk */
	if (!slots)
		return fail("the disk is smaller than one request", 0);

	/* The buffers in one run (one page capability) when they fit in one, as a libOS's
	 * buffer cache would be: the kernel checks a batch's capabilities once, not once
	 * a request (fio's buffers are one allocation too). */
	static struct exos_blk_io io[DEPTH_MAX];
	char *all = depth * bytes <= EXO_DISK_REQ_MAX_BYTES ? exos_blk_buffer(depth * bytes) : 0;
	for (unsigned long i = 0; i < depth; i++) {
		if (!(io[i].buf = all ? all + i * bytes : exos_blk_buffer(bytes)))
			return fail("out of memory", -EXO_ENOMEM);
		memset(io[i].buf, (int)i, bytes);
	}
	uint64_t next = 0, issued = 0, done = 0;
	uint64_t t0 = rdtsc();
	/* io[k % depth] carries the k-th request.  Every slot is refilled in one batch
	 * (one kernel crossing) once every request in flight is done: a crossing and an
	 * interrupt cost ~570 emulated ring-0 instructions on KVM nested on PVM
	 * (bench/disk_ring0.sh), so a batch of 32 costs ~18 a request, a batch of a few
	 * ~100+.  (Refilling as soon as the oldest is done came to the same while the
	 * libOS slept until the batch's interrupt; polling it sees each completion.) */
	while (done < ops) {
		while (issued < ops && issued - done < depth) {
			uint64_t n = depth - (issued - done), at = issued % depth;
			if (n > ops - issued)
				n = ops - issued;
			if (n > depth - at)
				n = depth - at; /* up to the ring's wrap: the rest next round */
			for (uint64_t k = 0; k < n; k++) {
				struct exos_blk_io *q = &io[at + k];
				q->op = write ? EXO_DISK_WRITE : EXO_DISK_READ;
				q->nblocks = per;
				q->block = (random ? next_rand() % slots : next++ % slots) * per;
			}
			long got = exos_blk_submit(&b, &io[at], n);
			if (got < 0)
				return fail("submit", got);
			issued += (uint64_t)got;
			if ((uint64_t)got < n)
				break; /* the queue is full: wait for some */
		}
		while (done < issued) { /* everything in flight: at most two runs of the ring */
			uint64_t at = done % depth, k = issued - done;
			if (k > depth - at)
				k = depth - at;
			int e = exos_blk_wait(&io[at], k);
			if (e < 0)
				return fail(write ? "write" : "read", e);
			done += k;
		}
	}
	uint64_t ticks = rdtsc() - t0;
	uint64_t khz = exo_kinfo()->tsc_khz;
	if (!khz)
		return fail("the TSC's frequency is unknown", 0);
	/* Integers only (ExOS's printf has no %f): ns, MB/s and IOPS. */
	uint64_t ns = ticks * 1000000u / khz, total = ops * bytes;
	if (!ns)
		ns = 1;
	printf("diskbench %s bytes=%lu ns=%lu MBps=%lu iops=%lu\n", mode, (unsigned long)total,
	       (unsigned long)ns, (unsigned long)(total * 1000u / ns),
	       (unsigned long)(ops * 1000000000u / ns));
	return 0;
}
