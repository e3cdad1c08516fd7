/* ExOS's block interface (<exos/blk.h>) over the kernel's disk calls.
 *
 * The process has one status page (the kernel writes each request's result
 * into a word of it and counts completions in word 0), mapped at
 * EXOS_BLK_STATUS and registered at the first open.  Status words are handed
 * out from a bitmap; a request keeps its word until exos_blk_wait collects its
 * result.  Waiting sleeps on one predicate term, "the completion counter has
 * reached c + k", with k the requests still pending: completions of other
 * requests may wake us early (we look again), none can be missed, because the
 * counter is read before the pending words are.  Before it sleeps, it polls the
 * counter for up to SPIN_US (a sleep costs far more on this host). */
#include <exos/blk.h>
#include <exos/vm.h>
#include <string.h>

#define WORDS EXO_DISK_STATUS_WORDS
/* exos_blk_wait polls the counter this long before it sleeps: on KVM nested on PVM a
 * sleep and its wake-up cost ~1100 emulated ring-0 instructions (the wait's crossing,
 * the predicate, the switch; bench/disk_ring0.sh), some ms of host CPU, more than a
 * random read's whole latency, while polling is ring 3 at native speed. */
#define SPIN_US 1000

/* EXO_SYS_DISK_BATCH does not copy its vector: the device reads the entries where we
 * wrote them, some time before the first of them reports.  So a batch's vector stays
 * put until every entry of it has reported, in one of VECS vectors in the pages after
 * the status page (mapped with it: programs without disks pay nothing). */
#define VECS      8
#define VEC_PAGES (VECS * EXO_DISK_BATCH * sizeof(struct exo_disk_req) / EXO_PAGE_SIZE)
#define BLK_VECS  (EXOS_BLK_STATUS + EXO_PAGE_SIZE)

static volatile int64_t *status; /* the status page, once registered */
static uint64_t free_words[WORDS / 64];
static uint64_t next_buf = EXOS_BLK_BUF;
static struct exo_disk_req (*vecs)[EXO_DISK_BATCH]; /* at BLK_VECS, once mapped */
static uint8_t vec_n[VECS];                         /* entries of the batch in it */

void exos_blk_forget(void)
{
	status = 0;
	vecs = 0;
	next_buf = EXOS_BLK_BUF;
	for (unsigned k = 0; k < VECS; k++)
		vec_n[k] = 0;
}

int exos_blk_root(unsigned disk)
{
	const volatile struct exo_kinfo *k = exo_kinfo();
	if (disk >= k->ndisks || k->disk[disk].root_cap < 0)
		return -EXO_ENOENT;
	return k->disk[disk].root_cap;
}

/* Maps and registers the status page; every word but the counter is free. */
static int status_setup(void)
{
	long slot = exos_page_map(EXOS_BLK_STATUS, EXO_PTE_W | EXO_PTE_NX);
	if (slot < 0)
		return (int)slot;
	long r = exo_disk_status((int)slot, 0);
	if (r < 0)
		return (int)r;
	_Static_assert(VEC_PAGES * EXO_PAGE_SIZE == sizeof(*vecs) * VECS, "whole pages");
	if (exos_map_range(BLK_VECS, VEC_PAGES, EXO_PTE_W | EXO_PTE_NX) >= 0)
		vecs = (struct exo_disk_req(*)[EXO_DISK_BATCH])BLK_VECS; /* else: no batches */
	for (unsigned w = 0; w < WORDS / 64; w++)
		free_words[w] = ~0ul;
	free_words[0] &= ~(1ul << EXO_DISK_COUNTER);
	status = (volatile int64_t *)EXOS_BLK_STATUS;
	return 0;
}

int exos_blk_open(struct exos_blk *b, int cap)
{
	struct exo_cap_info ci;
	long r = exo_cap_info(cap, &ci);
	if (r < 0)
		return (int)r;
	unsigned disk = EXO_DISK_CAP_DISK(ci.object);
	if (ci.type != EXO_CAP_DISK || disk >= exo_kinfo()->ndisks)
		return -EXO_EINVAL;
	if (!status && (r = status_setup()) < 0)
		return (int)r;
	*b = (struct exos_blk){
	        .cap = cap,
	        .disk = disk,
	        .first = EXO_DISK_CAP_BLOCK(ci.object),
	        .nblocks = ci.count,
	        .block_size = exo_kinfo()->disk[disk].block_size,
	        .rights = ci.rights,
	};
	return 0;
}

void *exos_blk_buffer(size_t bytes)
{
	/* One run (exos_map_run records it for exos_frame_cap): a buffer never
	 * straddles two capabilities. */
	if (bytes > EXO_DISK_REQ_MAX_BYTES)
		return 0;
	return exos_run_buffer(&next_buf, bytes, EXO_DISK_REQ_MAX_BYTES / EXO_PAGE_SIZE);
}

static int word_take(void)
{
	for (unsigned w = 0; w < WORDS / 64; w++)
		if (free_words[w]) {
			int i = (int)(w * 64 + (unsigned)__builtin_ctzl(free_words[w]));
			free_words[w] &= free_words[w] - 1;
			return i;
		}
	return -1;
}

static void word_give(unsigned i)
{
	free_words[i / 64] |= 1ul << (i % 64);
}

/* The kernel's request for io: its buffer's capability and frame. */
static int to_req(const struct exos_blk *b, const struct exos_blk_io *io, struct exo_disk_req *r)
{
	uint64_t va = (uint64_t)io->buf;
	if (va % EXO_PAGE_SIZE)
		return -EXO_EINVAL;
	uint64_t pfn = exos_pfn(va); /* 0: not mapped */
	uint32_t first;
	long slot = pfn ? exos_frame_cap(pfn, &first) : -EXO_EFAULT;
	if (slot < 0)
		return -EXO_EFAULT;
	*r = (struct exo_disk_req){.extent = b->cap,
	                           .op = io->op,
	                           .block = io->block,
	                           .nblocks = io->nblocks,
	                           .pages = (int32_t)slot,
	                           .page = first};
	return 0;
}

static long flush(const struct exos_blk *b, struct exos_blk_io *io)
{
	int w = word_take();
	if (w < 0)
		return 0;
	long r = exo_disk_flush(b->cap, (unsigned)w);
	if (r < 0) {
		word_give((unsigned)w);
		return r;
	}
	io->word = (uint16_t)w;
	return 1;
}

/* Whether reqs[0..n) can go as one EXO_SYS_DISK_BATCH: a disk that takes them, and
 * more than one read or write into one run (one request costs the same either way, and
 * through EXO_SYS_DISK_IO its refusal comes back from the call). */
static bool batchable(const struct exos_blk *b, const struct exo_disk_req *reqs, size_t n)
{
	if (n < 2 || !(exo_kinfo()->disk[b->disk].flags & EXO_DISK_BATCHED))
		return false;
	for (size_t i = 1; i < n; i++)
		if (reqs[i].pages != reqs[0].pages || reqs[i].op != reqs[0].op)
			return false;
	return true;
}

/* A vector no entry of which is pending: the device has read it.  (A word collected
 * and taken again may be pending for a newer request: the vector waits, needlessly
 * but safely; one done again was done for this batch first.) */
static int vec_take(void)
{
	for (int k = 0; vecs && k < VECS; k++) {
		unsigned i = 0;
		while (i < vec_n[k] && status[vecs[k][i].status] != EXO_DISK_PENDING)
			i++;
		if (i == vec_n[k])
			return k;
	}
	return -1;
}

/* The device reports into the status words asynchronously: they are ours to set.
 * Without a free vector, DISK_IO (the kernel copies the requests). */
static long batched(const struct exos_blk *b, const struct exo_disk_req *reqs, size_t n)
{
	int k = vec_take();
	if (k < 0)
		return exo_disk_io(reqs, n);
	memcpy(vecs[k], reqs, n * sizeof(*reqs));
	for (size_t i = 0; i < n; i++)
		status[reqs[i].status] = EXO_DISK_PENDING;
	long r = exo_disk_batch(b->cap, reqs[0].pages, reqs[0].op, vecs[k], n);
	vec_n[k] = r > 0 ? (uint8_t)n : 0;
	return r;
}

/* Submits io[0..n) (n <= EXO_DISK_BATCH, no flush) in one crossing. */
static long batch(const struct exos_blk *b, struct exos_blk_io *io, size_t n)
{
	struct exo_disk_req reqs[EXO_DISK_BATCH];
	size_t k = 0;
	long err = 0;
	for (; k < n; k++) {
		int w;
		if ((err = to_req(b, &io[k], &reqs[k])) < 0 || (w = word_take()) < 0)
			break;
		reqs[k].status = (uint32_t)w;
	}
	long r = k ? (batchable(b, reqs, k) ? batched(b, reqs, k) : exo_disk_io(reqs, k)) : err;
	for (size_t i = 0; i < k; i++) {
		if (r > 0 && i < (size_t)r)
			io[i].word = (uint16_t)reqs[i].status;
		else
			word_give(reqs[i].status);
	}
	return r == -EXO_EAGAIN ? 0 : r; /* a full queue: nothing submitted */
}

long exos_blk_submit(const struct exos_blk *b, struct exos_blk_io *io, size_t n)
{
	if (!status)
		return -EXO_ENOENT;
	size_t done = 0;
	while (done < n) {
		size_t k = 1;
		long r;
		if (io[done].op == EXOS_BLK_FLUSH) {
			r = flush(b, &io[done]);
		} else {
			while (k < EXO_DISK_BATCH && done + k < n &&
			       io[done + k].op != EXOS_BLK_FLUSH)
				k++;
			r = batch(b, &io[done], k);
		}
		if (r < 0 && !done)
			return r;
		if (r <= 0)
			break;
		done += (size_t)r;
		if ((size_t)r < k)
			break; /* out of status words or queue entries */
	}
	return (long)done;
}

bool exos_blk_done(const struct exos_blk_io *io)
{
	return !io->word || status[io->word] != EXO_DISK_PENDING;
}

/* Polls the counter for up to SPIN_US: true if it reached count. */
static bool spin_until(uint64_t count)
{
	uint64_t t0 = exo_rdtsc(), limit = SPIN_US * exo_kinfo()->tsc_khz / 1000;
	while ((uint64_t)status[EXO_DISK_COUNTER] < count)
		if (exo_rdtsc() - t0 > limit)
			return false;
	return true;
}

int exos_blk_wait(struct exos_blk_io *io, size_t n)
{
	for (;;) {
		uint64_t seen = (uint64_t)status[EXO_DISK_COUNTER];
		uint64_t pending = 0;
		for (size_t i = 0; i < n; i++)
			pending += !exos_blk_done(&io[i]);
		if (!pending)
			break;
		if (spin_until(seen + pending))
			continue;
		struct exo_pred_term t = {.op = EXO_PRED_GE,
		                          .lhs_kind = EXO_OPND_MEM,
		                          .rhs_kind = EXO_OPND_CONST,
		                          .lhs = EXOS_BLK_STATUS + 8 * EXO_DISK_COUNTER,
		                          .rhs = seen + pending};
		long r = exo_wait(&t, 1);
		if (r < 0 && r != -EXO_EINTR)
			return (int)r;
	}
	int first_err = 0;
	for (size_t i = 0; i < n; i++) {
		if (!io[i].word)
			continue;
		io[i].result = (int)status[io[i].word];
		word_give(io[i].word);
		io[i].word = 0;
		if (io[i].result && !first_err)
			first_err = io[i].result;
	}
	return first_err;
}

static int one(const struct exos_blk *b, uint32_t op, uint64_t block, uint32_t nblocks,
               const void *buf)
{
	struct exos_blk_io io = {.op = op, .block = block, .nblocks = nblocks, .buf = (void *)buf};
	long r = exos_blk_submit(b, &io, 1);
	if (r < 0)
		return (int)r;
	if (r == 0)
		return -EXO_EAGAIN;
	return exos_blk_wait(&io, 1);
}

int exos_blk_read(const struct exos_blk *b, uint64_t block, uint32_t nblocks, void *buf)
{
	return one(b, EXO_DISK_READ, block, nblocks, buf);
}

int exos_blk_write(const struct exos_blk *b, uint64_t block, uint32_t nblocks, const void *buf)
{
	return one(b, EXO_DISK_WRITE, block, nblocks, buf);
}

int exos_blk_sync(const struct exos_blk *b)
{
	return one(b, EXOS_BLK_FLUSH, 0, 0, 0);
}
