/* virtio-blk on io_uring (virtio_blk.h). */
#include <errno.h>
#include <liburing.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <exo/disk.h>
#include <exo/errno.h>
#include <hw/exo_blk.h>

#include "device.h"
#include "disk_file.h"
#include "fail.h"
#include "kvm.h"
#include "virtio_blk.h"
#include "virtio_mmio.h"
#include "virtio_slot.h"

#define QUEUE_MAX 256 /* entries, and requests in flight */
#define DATA_SEGS 126 /* data buffers a request may have: config seg_max */
#define DISKS_MAX 8
#define SUBS_MAX  1024 /* batch entries in flight (include/hw/exo_blk.h) */
#define URING_SQ  (QUEUE_MAX + SUBS_MAX)

/* One entry of a batch in flight: a read or write of one buffer. */
struct blk_sub {
	struct blk_req *parent;
	int64_t *page; /* the status page: word 0 counts, word `word` is the entry's */
	uint32_t word;
	uint32_t type;
	uint64_t offset;
	struct iovec iov;
};

struct blk_req {
	bool busy;
	uint32_t generation; /* the device's at submission: a reset forgets older ones */
	uint16_t head;
	uint32_t type;
	uint8_t *status; /* the chain's last device-writable byte */
	uint32_t data;   /* bytes of data the request moves */
	uint64_t offset; /* where the next transfer starts in the file */
	int niov;
	struct iovec iov[DATA_SEGS];
	struct blk_sub *subs; /* a batch's entries (VIRTIO_BLK_T_EXO_BATCH) */
	uint32_t pending;     /* ... still in flight */
};

struct virtio_blk {
	char name[16];
	struct disk_file file;
	struct virtio_blk_config config;
	struct virtio_type type;
	struct virtio_mmio *t;
	struct io_uring ring;
	int event_fd; /* io_uring signals completions here */
	uint32_t generation;
	unsigned inflight;      /* io_uring operations */
	unsigned subs_inflight; /* batch entries */
	struct {                /* a batch being started: its binding and entries */
		struct exo_blk_batch h;
		struct exo_disk_req e[EXO_BLK_BATCH_MAX];
	} batch;
	struct blk_req req[QUEUE_MAX];
	struct virtq_chain chain; /* the one being started */
	struct {
		uint64_t requests, reads, writes, flushes, bytes_read, bytes_written, errors,
		        direct, batches, batched;
	} n;
};

static struct virtio_blk *disks[DISKS_MAX];
static int ndisks;

static struct blk_req *free_req(struct virtio_blk *b)
{
	for (int i = 0; i < QUEUE_MAX; i++)
		if (!b->req[i].busy)
			return &b->req[i];
	return NULL;
}

/* Puts the request's status and returns its chain to the driver. */
static void answer(struct virtio_blk *b, struct blk_req *r, uint8_t status, uint32_t written)
{
	if (status != VIRTIO_BLK_S_OK)
		b->n.errors++;
	*r->status = status;
	virtq_push(&b->t->q[0].vq, r->head, written + 1);
	r->busy = false;
}

static uint8_t bad(struct virtio_blk *b, const char *what)
{
	device_bad_request(b->name, "virtio-blk: %s", what);
	return VIRTIO_BLK_S_IOERR;
}

/* Copies the chain's first 16 readable bytes (the header may span buffers). */
static void read_header(const struct virtq_chain *c, struct virtio_blk_outhdr *h)
{
	uint8_t *to = (uint8_t *)h;
	size_t want = sizeof(*h);
	for (int i = 0; i < c->nout && want; i++) {
		size_t n = c->seg[i].len < want ? c->seg[i].len : want;
		memcpy(to, c->seg[i].host, n);
		to += n, want -= n;
	}
}

/* The data buffers: for OUT the readable bytes after the header, for IN the
 * writable bytes before the status byte.  Returns the bytes, or -1 if there
 * are more buffers than SEG_MAX. */
static int64_t gather(struct blk_req *r, const struct virtq_chain *c, bool in)
{
	r->niov = 0;
	uint64_t skip = in ? 0 : sizeof(struct virtio_blk_outhdr), total = 0;
	int first = in ? c->nout : 0, end = in ? c->n : c->nout;
	for (int i = first; i < end; i++) {
		uint64_t len = c->seg[i].len;
		uint8_t *p = c->seg[i].host;
		if (in && i == c->n - 1)
			len--; /* the status byte */
		uint64_t drop = skip < len ? skip : len;
		skip -= drop, p += drop, len -= drop;
		if (!len)
			continue;
		if (r->niov == DATA_SEGS)
			return -1;
		r->iov[r->niov++] = (struct iovec){p, len};
		total += len;
	}
	return (int64_t)total;
}

/* A submission entry: the ring holds as many as there can be operations in flight
 * (requests and batch entries), but a long serve may fill it before it submits. */
static struct io_uring_sqe *sqe_get(struct virtio_blk *b)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
	if (!sqe) {
		if (io_uring_submit(&b->ring) < 0)
			fail(EXOSIM_EXIT_INTERNAL, "%s: io_uring_submit: %s", b->name,
			     strerror(errno));
		sqe = io_uring_get_sqe(&b->ring);
	}
	if (!sqe)
		fail(EXOSIM_EXIT_INTERNAL, "%s: io_uring has no free entry", b->name);
	return sqe;
}

static void submit_rw(struct virtio_blk *b, struct blk_req *r)
{
	struct io_uring_sqe *sqe = sqe_get(b);
	int fd = disk_file_fd_for(&b->file, r->iov, r->niov, r->offset);
	if (fd == b->file.direct_fd)
		b->n.direct++;
	if (r->type == VIRTIO_BLK_T_IN)
		io_uring_prep_readv(sqe, fd, r->iov, (unsigned)r->niov, r->offset);
	else
		io_uring_prep_writev(sqe, fd, r->iov, (unsigned)r->niov, r->offset);
	io_uring_sqe_set_data(sqe, r);
	b->inflight++;
}

static void submit_flush(struct virtio_blk *b, struct blk_req *r)
{
	struct io_uring_sqe *sqe = sqe_get(b);
	io_uring_prep_fsync(sqe, b->file.fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data(sqe, r);
	b->inflight++;
}

/* Checks a read or write against the disk; 0 or a status to answer with. */
static uint8_t check_rw(struct virtio_blk *b, struct blk_req *r, uint64_t sector, int64_t bytes)
{
	if (bytes < 0)
		return bad(b, "more data buffers than SEG_MAX");
	if (bytes % DISK_SECTOR)
		return bad(b, "data that is not a whole number of sectors");
	if ((uint64_t)bytes >= UINT32_MAX) /* the used ring reports 32 bits */
		return bad(b, "a request of 4 GiB or more");
	uint64_t sectors = b->file.size / DISK_SECTOR;
	if (sector > sectors || (uint64_t)bytes / DISK_SECTOR > sectors - sector)
		return VIRTIO_BLK_S_IOERR; /* past the end: the driver's error, not a protocol one
		                            */
	if (r->type == VIRTIO_BLK_T_OUT && b->file.ro)
		return VIRTIO_BLK_S_IOERR;
	r->offset = sector * DISK_SECTOR;
	r->data = (uint32_t)bytes;
	return VIRTIO_BLK_S_OK;
}

/* --- batches (include/hw/exo_blk.h) --- */

/* A batch entry's result: its word, then the page's counter (the kernel adds to it too,
 * with lock add), so that a driver that sees the count sees the word. */
static void batch_result(int64_t *page, uint32_t word, int64_t result)
{
	__atomic_store_n(&page[word], result, __ATOMIC_RELAXED);
	__atomic_fetch_add(&page[EXO_DISK_COUNTER], 1, __ATOMIC_RELEASE);
}

static void submit_sub(struct virtio_blk *b, struct blk_sub *s)
{
	struct io_uring_sqe *sqe = sqe_get(b);
	int fd = disk_file_fd_for(&b->file, &s->iov, 1, s->offset);
	if (fd == b->file.direct_fd)
		b->n.direct++;
	if (s->type == VIRTIO_BLK_T_IN)
		io_uring_prep_readv(sqe, fd, &s->iov, 1, s->offset);
	else
		io_uring_prep_writev(sqe, fd, &s->iov, 1, s->offset);
	io_uring_sqe_set_data(sqe, (void *)((uintptr_t)s | 1)); /* tagged: an entry */
	b->inflight++;
}

/* An entry checked against the binding h and the disk: 0, or its refusal. */
static int64_t check_entry(const struct virtio_blk *b, const struct exo_blk_batch *h,
                           const struct exo_disk_req *e)
{
	uint64_t bytes = (uint64_t)e->nblocks * h->block_size;
	if (!e->nblocks || bytes > EXO_DISK_REQ_MAX_BYTES)
		return -EXO_EINVAL;
	uint64_t blocks = b->file.size / h->block_size;
	if (h->first >= blocks || e->block >= blocks - h->first ||
	    e->nblocks > blocks - h->first - e->block)
		return -EXO_ENXIO;
	if (e->block >= h->count || e->nblocks > h->count - e->block)
		return -EXO_EPERM;
	if (e->page > h->buf_bytes / 4096 || bytes > h->buf_bytes - (uint64_t)e->page * 4096)
		return -EXO_EFAULT;
	if (h->type == VIRTIO_BLK_T_OUT && b->file.ro)
		return -EXO_EROFS;
	return 0;
}

/* Copies the chain's readable bytes [from, from + len) to `to`. */
static void copy_out(const struct virtq_chain *c, uint64_t from, void *to, uint64_t len)
{
	uint8_t *p = to;
	for (int i = 0; i < c->nout && len; i++) {
		uint64_t seg = c->seg[i].len;
		if (from >= seg) {
			from -= seg;
			continue;
		}
		uint64_t n = seg - from < len ? seg - from : len;
		memcpy(p, c->seg[i].host + from, n);
		p += n, len -= n, from = 0;
	}
}

/* Starts a batch: true if entries went to io_uring, false if it was answered at once
 * (every entry refused, or a malformed batch). */
static bool start_batch(struct virtio_blk *b, struct blk_req *r, const struct virtq_chain *c)
{
	const struct exo_blk_batch *h = &b->batch.h;
	uint64_t body = c->out_bytes - sizeof(struct virtio_blk_outhdr);
	if (!(b->t->driver_features & (1ull << VIRTIO_BLK_F_EXO_BATCH))) {
		answer(b, r, VIRTIO_BLK_S_UNSUPP, 0);
		return false;
	}
	if (c->in_bytes != 1 || body < sizeof(*h) || body > sizeof(b->batch)) {
		answer(b, r, bad(b, "a batch of the wrong size"), 0);
		return false;
	}
	copy_out(c, sizeof(struct virtio_blk_outhdr), &b->batch, body);
	uint32_t bs = h->block_size;
	if (h->n == 0 || h->n > EXO_BLK_BATCH_MAX ||
	    body != sizeof(*h) + h->n * sizeof(struct exo_disk_req) || h->pad || bs < 512 ||
	    bs > 4096 || (bs & (bs - 1)) ||
	    (h->type != VIRTIO_BLK_T_IN && h->type != VIRTIO_BLK_T_OUT) || h->buf % 4096 ||
	    h->status % 4096) {
		answer(b, r, bad(b, "a malformed batch binding"), 0);
		return false;
	}
	uint8_t *buf = gpa_check(b->t->mem, h->buf, h->buf_bytes, b->name);
	int64_t *page = gpa_check(b->t->mem, h->status, 4096, b->name);
	if (!buf || !page) { /* gpa_check said why; the driver fails every entry */
		answer(b, r, VIRTIO_BLK_S_IOERR, 0);
		return false;
	}
	struct blk_sub *subs = calloc(h->n, sizeof(*subs));
	if (!subs)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	b->n.batches++;
	r->pending = 0;
	for (uint32_t i = 0; i < h->n; i++) {
		const struct exo_disk_req *e = &b->batch.e[i];
		if (e->status == EXO_DISK_COUNTER || e->status >= EXO_DISK_STATUS_WORDS)
			continue; /* nowhere to report */
		b->n.batched++;
		int64_t err = check_entry(b, h, e);
		if (err) {
			b->n.errors++;
			batch_result(page, e->status, err);
			continue;
		}
		struct blk_sub *s = &subs[r->pending++];
		uint64_t bytes = (uint64_t)e->nblocks * bs;
		*s = (struct blk_sub){.parent = r,
		                      .page = page,
		                      .word = e->status,
		                      .type = h->type,
		                      .offset = (h->first + e->block) * bs,
		                      .iov = {buf + (uint64_t)e->page * 4096, bytes}};
		h->type == VIRTIO_BLK_T_IN ? b->n.reads++ : b->n.writes++;
		b->subs_inflight++;
		submit_sub(b, s);
	}
	if (!r->pending) {
		free(subs);
		answer(b, r, VIRTIO_BLK_S_OK, 0);
		return false;
	}
	r->subs = subs;
	return true;
}

/* One batch entry's completion: true if it completed its batch (answered). */
static bool sub_completed(struct virtio_blk *b, struct blk_sub *s, int res)
{
	struct blk_req *r = s->parent;
	b->inflight--;
	bool current = r->generation == b->generation;
	if (current && res > 0 && (size_t)res < s->iov.iov_len) { /* short: go on */
		*(s->type == VIRTIO_BLK_T_IN ? &b->n.bytes_read : &b->n.bytes_written) +=
		        (uint64_t)res;
		s->offset += (uint64_t)res;
		s->iov.iov_base = (uint8_t *)s->iov.iov_base + res;
		s->iov.iov_len -= (size_t)res;
		submit_sub(b, s);
		return false;
	}
	b->subs_inflight--;
	if (current) { /* after a reset the driver has failed it itself */
		bool ok = res >= 0 && (size_t)res == s->iov.iov_len;
		if (res > 0)
			*(s->type == VIRTIO_BLK_T_IN ? &b->n.bytes_read : &b->n.bytes_written) +=
			        (uint64_t)res;
		if (!ok)
			b->n.errors++;
		batch_result(s->page, s->word, ok ? 0 : -EXO_EIO);
	}
	if (--r->pending)
		return false;
	free(r->subs);
	r->subs = NULL;
	if (!current) {
		r->busy = false;
		return false;
	}
	answer(b, r, VIRTIO_BLK_S_OK, 0);
	return true;
}

/* Starts one request.  Returns true if it went to io_uring, false if it was
 * answered at once (an error, GET_ID). */
static bool start(struct virtio_blk *b, struct blk_req *r, const struct virtq_chain *c)
{
	struct virtio_blk_outhdr h;
	r->busy = true;
	r->generation = b->generation;
	r->head = c->head;
	b->n.requests++;
	if (c->in_bytes < 1 || c->seg[c->n - 1].device_writes == false) {
		/* No status byte: nothing can be answered but the chain itself. */
		bad(b, "a request with no status byte");
		virtq_push(&b->t->q[0].vq, c->head, 0);
		b->n.errors++;
		r->busy = false;
		return false;
	}
	r->status = c->seg[c->n - 1].host + c->seg[c->n - 1].len - 1;
	if (c->out_bytes < sizeof(h)) {
		answer(b, r, bad(b, "a request without its 16-byte header"), 0);
		return false;
	}
	read_header(c, &h);
	r->type = h.type;
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		bool in = h.type == VIRTIO_BLK_T_IN;
		if (in ? c->out_bytes != sizeof(h) : c->in_bytes != 1) {
			answer(b, r, bad(b, "data buffers in the wrong direction"), 0);
			return false;
		}
		uint8_t s = check_rw(b, r, h.sector, gather(r, c, in));
		if (s != VIRTIO_BLK_S_OK) {
			answer(b, r, s, 0);
			return false;
		}
		if (r->data == 0) {
			answer(b, r, VIRTIO_BLK_S_OK, 0);
			return false;
		}
		in ? b->n.reads++ : b->n.writes++;
		submit_rw(b, r);
		return true;
	}
	case VIRTIO_BLK_T_FLUSH:
		b->n.flushes++;
		submit_flush(b, r);
		return true;
	case VIRTIO_BLK_T_GET_ID: { /* the file's name, at most 20 bytes, NUL-padded */
		int64_t bytes = gather(r, c, true);
		if (bytes < 0) {
			answer(b, r, bad(b, "more data buffers than SEG_MAX"), 0);
			return false;
		}
		char id[VIRTIO_BLK_ID_BYTES] = {0};
		size_t len = strlen(b->file.id);
		memcpy(id, b->file.id, len < sizeof(id) ? len : sizeof(id));
		uint32_t put = 0;
		for (int i = 0; i < r->niov && put < sizeof(id); i++) {
			size_t n = r->iov[i].iov_len < sizeof(id) - put ? r->iov[i].iov_len
			                                                : sizeof(id) - put;
			memcpy(r->iov[i].iov_base, id + put, n);
			put += (uint32_t)n;
		}
		answer(b, r, VIRTIO_BLK_S_OK, put);
		return false;
	}
	case VIRTIO_BLK_T_EXO_BATCH:
		return start_batch(b, r, c);
	default:
		answer(b, r, VIRTIO_BLK_S_UNSUPP, 0);
		return false;
	}
}

/* Takes every available request there is room for, submits them in one
 * batch, and interrupts the driver for those answered at once. */
static void serve(struct virtio_blk *b)
{
	struct virtq *q = &b->t->q[0].vq;
	struct virtq_chain *c = &b->chain;
	bool answered = false, submitted = false;
	struct blk_req *r;
	/* Room for a whole batch's entries, or wait for completions (back-pressure). */
	while (b->subs_inflight + EXO_BLK_BATCH_MAX <= SUBS_MAX && (r = free_req(b))) {
		int got = virtq_pop(q, c);
		if (got == 0) {
			virtq_want_notify(q);
			got = virtq_pop(q, c); /* a request made available meanwhile */
		}
		if (got < 0) {
			virtio_mmio_needs_reset(b->t);
			break;
		}
		if (got == 0)
			break;
		if (start(b, r, c))
			submitted = true;
		else
			answered = true;
	}
	if (submitted && io_uring_submit(&b->ring) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "%s: io_uring_submit: %s", b->name, strerror(errno));
	if (answered)
		virtio_mmio_used(b->t, 0);
}

static void notified(struct virtio_mmio *t, uint16_t q)
{
	(void)q; /* one queue */
	serve(t->dev);
}

/* Status 0: the queue is gone.  Requests in flight still finish (their buffers
 * are guest RAM, which outlives them) but are not answered. */
static void reset(struct virtio_mmio *t)
{
	struct virtio_blk *b = t->dev;
	b->generation++;
}

static void print_stats(struct virtio_mmio *t)
{
	struct virtio_blk *b = t->dev;
	fprintf(stderr,
	        " file=%s requests=%llu reads=%llu writes=%llu flushes=%llu bytes_read=%llu "
	        "bytes_written=%llu errors=%llu direct=%llu batches=%llu batched=%llu",
	        b->file.path, (unsigned long long)b->n.requests, (unsigned long long)b->n.reads,
	        (unsigned long long)b->n.writes, (unsigned long long)b->n.flushes,
	        (unsigned long long)b->n.bytes_read, (unsigned long long)b->n.bytes_written,
	        (unsigned long long)b->n.errors, (unsigned long long)b->n.direct,
	        (unsigned long long)b->n.batches, (unsigned long long)b->n.batched);
}

/* Moves the request's buffers past `done` bytes (a short transfer). */
static void advance(struct blk_req *r, uint64_t done)
{
	int i = 0;
	while (i < r->niov && done >= r->iov[i].iov_len)
		done -= r->iov[i++].iov_len;
	memmove(r->iov, r->iov + i, (size_t)(r->niov - i) * sizeof(r->iov[0]));
	r->niov -= i;
	if (r->niov) {
		r->iov[0].iov_base = (uint8_t *)r->iov[0].iov_base + done;
		r->iov[0].iov_len -= done;
	}
}

/* One completion: finished, resubmitted (short transfer) or failed. */
static bool completed(struct virtio_blk *b, struct blk_req *r, int res)
{
	b->inflight--;
	if (r->generation != b->generation) {
		r->busy = false;
		return false;
	}
	if (r->type == VIRTIO_BLK_T_FLUSH) {
		answer(b, r, res < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK, 0);
		return true;
	}
	bool in = r->type == VIRTIO_BLK_T_IN;
	if (res > 0)
		*(in ? &b->n.bytes_read : &b->n.bytes_written) += (uint64_t)res;
	uint64_t left = 0;
	for (int i = 0; i < r->niov; i++)
		left += r->iov[i].iov_len;
	if (res > 0 && (uint64_t)res < left) { /* short: go on from there */
		r->offset += (uint64_t)res;
		advance(r, (uint64_t)res);
		submit_rw(b, r);
		return false;
	}
	bool ok = res > 0 && (uint64_t)res == left;
	answer(b, r, ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR, ok && in ? r->data : 0);
	return true;
}

void virtio_blk_complete(void *arg)
{
	struct virtio_blk *b = arg;
	uint64_t n;
	if (read(b->event_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		fail(EXOSIM_EXIT_INTERNAL, "%s: completion eventfd: %s", b->name, strerror(errno));
	struct io_uring_cqe *cqe;
	bool answered = false;
	while (io_uring_peek_cqe(&b->ring, &cqe) == 0) {
		uintptr_t data = (uintptr_t)io_uring_cqe_get_data(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&b->ring, cqe);
		if (data & 1)
			answered |= sub_completed(b, (struct blk_sub *)(data - 1), res);
		else
			answered |= completed(b, (struct blk_req *)data, res);
	}
	if (io_uring_sq_ready(&b->ring) && io_uring_submit(&b->ring) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "%s: io_uring_submit: %s", b->name, strerror(errno));
	if (answered)
		virtio_mmio_used(b->t, 0);
	bool live = (b->t->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	            !(b->t->status & VIRTIO_CONFIG_S_NEEDS_RESET) && b->t->q[0].ready;
	if (live)
		serve(b); /* requests that waited for a free slot */
}

struct virtio_blk *virtio_blk_new(const char *spec, const char *name)
{
	struct virtio_blk *b = calloc(1, sizeof(*b));
	if (!b)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	snprintf(b->name, sizeof(b->name), "%s", name);
	disk_file_open(&b->file, spec);
	b->config = (struct virtio_blk_config){.capacity = b->file.size / DISK_SECTOR,
	                                       .seg_max = DATA_SEGS,
	                                       .blk_size = DISK_SECTOR};
	uint64_t features = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE |
	                    1ull << VIRTIO_BLK_F_FLUSH | 1ull << VIRTIO_BLK_F_EXO_BATCH |
	                    1ull << VIRTIO_BLK_F_EXO_QUIET_IRQ;
	if (b->file.ro)
		features |= 1ull << VIRTIO_BLK_F_RO;
	b->type = (struct virtio_type){.device_id = 2 /* VIRTIO_ID_BLOCK */,
	                               .features = features,
	                               .nqueues = 1,
	                               .queue_max = QUEUE_MAX,
	                               .seg_max = DATA_SEGS + 2, /* the header, the status */
	                               .quiet_irq = 1ull << VIRTIO_BLK_F_EXO_QUIET_IRQ,
	                               .config_len = sizeof(b->config),
	                               .config = &b->config,
	                               .notify = notified,
	                               .reset = reset,
	                               .print_stats = print_stats};
	int e = io_uring_queue_init(URING_SQ, &b->ring, 0);
	b->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e < 0 || b->event_fd < 0 || io_uring_register_eventfd(&b->ring, b->event_fd) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "%s: io_uring: %s", b->name,
		     strerror(e < 0 ? -e : errno));
	return b;
}

const struct virtio_type *virtio_blk_type(struct virtio_blk *b)
{
	return &b->type;
}

void virtio_blk_bind(struct virtio_blk *b, struct virtio_mmio *t)
{
	b->t = t;
}

int virtio_blk_fd(struct virtio_blk *b)
{
	return b->event_fd;
}

unsigned virtio_blk_inflight(const struct virtio_blk *b)
{
	return b->inflight;
}

void virtio_blk_drain(struct virtio_blk *b)
{
	while (b->inflight) {
		struct io_uring_cqe *cqe;
		if (io_uring_wait_cqe(&b->ring, &cqe) < 0)
			break;
		uintptr_t data = (uintptr_t)io_uring_cqe_get_data(cqe);
		io_uring_cqe_seen(&b->ring, cqe);
		b->inflight--;
		struct blk_req *r = data & 1 ? ((struct blk_sub *)(data - 1))->parent : NULL;
		if (r && !--r->pending) { /* a batch's last entry: its memory goes */
			free(r->subs);
			r->subs = NULL;
		}
	}
}

void virtio_blk_free(struct virtio_blk *b)
{
	virtio_blk_drain(b);
	io_uring_queue_exit(&b->ring);
	close(b->event_fd);
	disk_file_close(&b->file);
	free(b);
}

void virtio_blk_attach(struct vm *vm, const char *spec)
{
	if (ndisks == DISKS_MAX)
		fail(EXOSIM_EXIT_USAGE, "--disk %s: at most %d disks", spec, DISKS_MAX);
	char name[16];
	snprintf(name, sizeof(name), "disk%d", ndisks);
	struct virtio_blk *b = virtio_blk_new(spec, name);
	disks[ndisks++] = b;
	struct virtio_mmio *t = virtio_slot_add(vm, b->name, &b->type, b);
	virtio_blk_bind(b, t);
	virtio_slot_watch(t, b->event_fd, virtio_blk_complete, b);
}

void virtio_blk_drain_all(void)
{
	for (int i = 0; i < ndisks; i++)
		virtio_blk_drain(disks[i]);
}

void virtio_blk_detach_all(void)
{
	for (int i = 0; i < ndisks; i++)
		virtio_blk_free(disks[i]);
	ndisks = 0;
}
