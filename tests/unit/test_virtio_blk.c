/* virtio-blk on io_uring (hostsim/virtio_blk.c), driven as a guest driver
 * drives it, without KVM: requests through a real split queue in a guest RAM
 * buffer, the host file checked with pread.  Direct and buffered paths, many
 * requests in flight, flush, GET_ID, the disk's edge, a read-only disk,
 * malformed requests, and a reset with requests in flight. */
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <exo/disk.h>
#include <exo/errno.h>
#include <hw/exo_blk.h>

#include "guest_mem.h"
#include "stats.h"
#include "unit.h"
#include "virtio_blk.h"
#include "virtio_mmio.h"

#define RAM      (4u << 20)
#define QSIZE    64
#define DESC     0x10000ull
#define AVAIL    0x11000ull
#define USED     0x12000ull
#define HDRS     0x20000ull /* a 16-byte header and a status byte per request */
#define DATA     0x100000ull
#define SECTORS  256 /* a 128 KiB disk */
#define DISK_LEN (SECTORS * 512)

static struct guest_mem mem;
static struct virtio_mmio t;
static struct virtio_blk *blk;
static char path[64];
static int irqs;
static uint16_t avail_idx, used_seen;

static void on_irq(struct virtio_mmio *m)
{
	(void)m;
	irqs++;
}

static void *g(uint64_t gpa)
{
	return gpa_ptr(&mem, gpa, 1);
}

static void wr(uint64_t off, uint32_t v)
{
	virtio_mmio_access(&t, off, true, 4, (uint8_t *)&v);
}

static uint32_t rd(uint64_t off)
{
	uint32_t v;
	virtio_mmio_access(&t, off, false, 4, (uint8_t *)&v);
	return v;
}

static void bring_up(void);

/* A disk of SECTORS sectors, byte i = i * 7 + 3, behind a device brought up
 * as Linux's driver does it. */
static void open_disk(const char *options)
{
	ck_assert_int_eq(guest_mem_init(&mem, RAM), 0);
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(path, sizeof(path), "%s/vblk-XXXXXX", tmp);
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	static uint8_t init[DISK_LEN];
	for (uint32_t i = 0; i < DISK_LEN; i++)
		init[i] = (uint8_t)(i * 7 + 3);
	ck_assert_int_eq(write(fd, init, DISK_LEN), DISK_LEN);
	close(fd);
	char spec[80];
	snprintf(spec, sizeof(spec), "%s%s", path, options);
	blk = virtio_blk_new(spec, "disk-test");
	virtio_mmio_init(&t, &mem, "disk-test", virtio_blk_type(blk), blk, on_irq);
	virtio_blk_bind(blk, &t);
	bring_up();
}

static uint32_t features = 1u << VIRTIO_BLK_F_FLUSH; /* what bring_up negotiates */

static void bring_up(void)
{
	irqs = 0, avail_idx = used_seen = 0;
	memset(g(USED), 0, 4096);
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, features);
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, USED);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
}

static void setup(void)
{
	open_disk("");
}

static void teardown(void)
{
	virtio_blk_free(blk);
	unlink(path);
	guest_mem_free(&mem);
}

static void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc *d = g(DESC + i * sizeof(*d));
	*d = (struct vring_desc){.addr = addr, .len = len, .flags = flags, .next = next};
}

/* Request slot r (descriptors 3r..3r+2): header, data, status. */
static uint8_t *request(uint16_t r, uint32_t type, uint64_t sector, uint64_t data, uint32_t len)
{
	uint64_t hdr = HDRS + r * 32ull;
	struct virtio_blk_outhdr *h = g(hdr);
	*h = (struct virtio_blk_outhdr){.type = type, .sector = sector};
	uint8_t *status = g(hdr + 16);
	*status = 0xee;
	uint16_t d = (uint16_t)(r * 3);
	bool in = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
	if (len) {
		desc(d, hdr, 16, VRING_DESC_F_NEXT, d + 1);
		desc(d + 1, data, len, VRING_DESC_F_NEXT | (in ? VRING_DESC_F_WRITE : 0), d + 2);
	} else {
		desc(d, hdr, 16, VRING_DESC_F_NEXT, d + 2);
	}
	desc(d + 2, hdr + 16, 1, VRING_DESC_F_WRITE, 0);
	struct vring_avail *a = g(AVAIL);
	a->ring[avail_idx % QSIZE] = d;
	__atomic_store_n(&a->idx, ++avail_idx, __ATOMIC_RELEASE);
	return status;
}

/* Kicks, then waits until `n` more chains are used; returns the used length
 * of the last. */
static uint32_t kick_and_wait(int n)
{
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	struct vring_used *u = g(USED);
	uint16_t want = (uint16_t)(used_seen + n);
	for (int spins = 0; (uint16_t)(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) - want) != 0;
	     spins++) {
		ck_assert_int_lt(spins, 1000);
		struct pollfd p = {.fd = virtio_blk_fd(blk), .events = POLLIN};
		ck_assert_int_eq(poll(&p, 1, 5000), 1);
		virtio_blk_complete(blk);
	}
	used_seen = want;
	return u->ring[(uint16_t)(want - 1) % QSIZE].len;
}

static void host_read(uint64_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ck_assert_int_eq(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static void check_roundtrip(uint64_t data, uint64_t sector, uint32_t len)
{
	uint8_t *buf = g(data);
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i ^ 0x5a);
	uint8_t *s = request(0, VIRTIO_BLK_T_OUT, sector, data, len);
	ck_assert_uint_eq(kick_and_wait(1), 1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_OK);
	uint8_t host[65536];
	host_read(sector * 512, host, len);
	ck_assert_mem_eq(host, buf, len);
	memset(buf, 0, len);
	s = request(1, VIRTIO_BLK_T_IN, sector, data, len);
	ck_assert_uint_eq(kick_and_wait(1), len + 1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_OK);
	ck_assert_mem_eq(host, buf, len);
}

START_TEST(write_read_direct_and_buffered)
{
	check_roundtrip(DATA, 8, 8192);       /* page-aligned: O_DIRECT where the fs has it */
	check_roundtrip(DATA + 3, 40, 1536);  /* misaligned buffer: buffered */
	check_roundtrip(DATA + 4096, 1, 512); /* misaligned offset: buffered */
	/* The rest of the disk is as it was. */
	uint8_t b[512];
	host_read(0, b, sizeof(b));
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(b[i], (uint8_t)(i * 7 + 3));
}
END_TEST

START_TEST(many_in_flight_and_flush)
{
	for (uint16_t r = 0; r < 16; r++) {
		uint8_t *buf = g(DATA + r * 4096ull);
		memset(buf, 'a' + r, 4096);
		request(r, VIRTIO_BLK_T_OUT, r * 8ull, DATA + r * 4096ull, 4096);
	}
	kick_and_wait(16);
	for (uint16_t r = 0; r < 16; r++)
		ck_assert_uint_eq(*(uint8_t *)g(HDRS + r * 32ull + 16), VIRTIO_BLK_S_OK);
	uint8_t *s = request(16, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	ck_assert_uint_eq(kick_and_wait(1), 1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_OK);
	uint8_t host[4096];
	for (uint16_t r = 0; r < 16; r++) {
		host_read(r * 4096ull, host, sizeof(host));
		for (int i = 0; i < 4096; i++)
			ck_assert_uint_eq(host[i], 'a' + r);
	}
	ck_assert_int_ge(irqs, 1);
}
END_TEST

START_TEST(get_id_is_the_file_name)
{
	char *id = g(DATA);
	memset(id, 'x', 20);
	uint8_t *s = request(0, VIRTIO_BLK_T_GET_ID, 0, DATA, 20);
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_OK);
	const char *base = strrchr(path, '/') + 1; /* "vblk-XXXXXX": shorter than 20 */
	ck_assert_str_eq(id, base);
}
END_TEST

START_TEST(the_disks_edge)
{
	uint8_t *s = request(0, VIRTIO_BLK_T_IN, SECTORS - 1, DATA, 512); /* the last sector */
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_OK);
	s = request(1, VIRTIO_BLK_T_IN, SECTORS - 1, DATA, 1024); /* across the end */
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_IOERR);
	s = request(2, VIRTIO_BLK_T_OUT, SECTORS, DATA, 512); /* past it */
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_IOERR);
	s = request(3, VIRTIO_BLK_T_OUT, UINT64_MAX / 256, DATA, 512); /* offset would wrap */
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_IOERR);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, DISK_LEN); /* nothing written past the end */
}
END_TEST

START_TEST(malformed_requests)
{
	uint64_t before = stats_bad_request("disk-test");
	uint8_t *s = request(0, VIRTIO_BLK_T_OUT, 0, DATA, 100); /* not whole sectors */
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_IOERR);
	s = request(1, 99, 0, DATA, 512); /* unknown type */
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_UNSUPP);
	/* A read whose data buffer is device-readable: the wrong direction. */
	s = request(2, VIRTIO_BLK_T_IN, 0, DATA, 512);
	desc(7, DATA, 512, VRING_DESC_F_NEXT, 8);
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_IOERR);
	/* A header of 8 bytes. */
	s = request(3, VIRTIO_BLK_T_IN, 0, DATA, 512);
	desc(9, HDRS + 3 * 32, 8, VRING_DESC_F_NEXT, 10);
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_IOERR);
	ck_assert_uint_ge(stats_bad_request("disk-test") - before, 1 + 3); /* and this call */
	/* The disk is untouched and the device still serves. */
	uint8_t b[512];
	host_read(0, b, sizeof(b));
	ck_assert_uint_eq(b[1], 10);
	s = request(4, VIRTIO_BLK_T_IN, 0, DATA, 512);
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(*(uint8_t *)g(DATA + 1), 10);
}
END_TEST

START_TEST(read_only_disk)
{
	teardown();
	open_disk(",ro");
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert(rd(VIRTIO_MMIO_DEVICE_FEATURES) & 1u << VIRTIO_BLK_F_RO);
	memset(g(DATA), 0, 512);
	uint8_t *s = request(0, VIRTIO_BLK_T_OUT, 0, DATA, 512);
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_IOERR);
	uint8_t b[512];
	host_read(0, b, sizeof(b));
	ck_assert_uint_eq(b[1], 10); /* unchanged */
	s = request(1, VIRTIO_BLK_T_IN, 0, DATA, 512);
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_OK);
}
END_TEST

START_TEST(reset_with_requests_in_flight)
{
	for (uint16_t r = 0; r < 8; r++)
		request(r, VIRTIO_BLK_T_IN, r * 8ull, DATA + r * 4096ull, 4096);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	wr(VIRTIO_MMIO_STATUS, 0); /* the driver resets before they complete */
	struct pollfd p = {.fd = virtio_blk_fd(blk), .events = POLLIN};
	while (poll(&p, 1, 300) == 1)
		virtio_blk_complete(blk); /* they finish, but are not answered */
	struct vring_used *u = g(USED);
	ck_assert_uint_eq(u->idx, 0);
	/* Their slots are free again: the device serves after a new bring-up. */
	bring_up();
	for (uint16_t r = 0; r < 40; r++)
		request(r % 16, VIRTIO_BLK_T_IN, 0, DATA, 512);
	kick_and_wait(40);
}
END_TEST

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next_rand(void)
{
	return unit_rand(&rng);
}

/* A guest-physical address a hostile driver might use for a buffer. */
static uint64_t any_buffer(void)
{
	switch (next_rand() % 5) {
	case 0:
		return HDRS + next_rand() % 4096;
	case 1:
		return DATA + next_rand() % (RAM - DATA);
	case 2:
		return RAM - next_rand() % 64; /* at the end of RAM */
	case 3:
		return next_rand();
	default:
		return DATA + (next_rand() % 64) * 4096; /* aligned: O_DIRECT */
	}
}

static uint32_t any_len(void)
{
	static const uint32_t lens[] = {0, 1, 8, 16, 17, 511, 512, 4096, 65536, 1u << 31};
	return next_rand() % 4 ? lens[next_rand() % 10] : (uint32_t)next_rand();
}

/* 30000 rounds (EXO_FUZZ_COUNT) of requests as a driver builds them, one in
 * four spoilt (a buffer anywhere, any length, any flags, any next), headers
 * of any type and sectors around the disk's end, heads out of the table: under ASan nothing may
 * reach outside guest RAM or the file, a broken queue must end in
 * NEEDS_RESET, and afterwards a bring-up and a good request must work. */
START_TEST(random_requests)
{
	long rounds = unit_fuzz_count(30000), resets = 0;
	rng = unit_fuzz_seed(rng);
	struct vring_desc *table = g(DESC);
	for (long iter = 0; iter < rounds; iter++) {
		for (int i = 0; i < 8; i++) {
			struct virtio_blk_outhdr *h = g(HDRS + i * 32ull);
			static const uint32_t types[] = {VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
			                                 VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID};
			h->type = next_rand() % 8 ? types[next_rand() % 4] : (uint32_t)next_rand();
			h->sector = next_rand() % 4 ? next_rand() % (SECTORS + 4) : next_rand();
		}
		int n = 1 + (int)(next_rand() % 6);
		for (int k = 0; k < n; k++) {
			/* A request as a driver builds it, then perhaps spoilt. */
			uint16_t d = (uint16_t)(3 * k);
			struct virtio_blk_outhdr *h = g(HDRS + k * 32ull);
			bool in = h->type != VIRTIO_BLK_T_OUT;
			table[d] = (struct vring_desc){HDRS + k * 32ull, 16, VRING_DESC_F_NEXT,
			                               (uint16_t)(d + 1)};
			table[d + 1] = (struct vring_desc){
			        DATA + (next_rand() % 64) * 4096 +
			                (next_rand() % 4 ? 0 : next_rand() % 4096),
			        (uint32_t)(1 + next_rand() % 16) * 512,
			        (uint16_t)(VRING_DESC_F_NEXT | (in ? VRING_DESC_F_WRITE : 0)),
			        (uint16_t)(d + 2)};
			table[d + 2] = (struct vring_desc){HDRS + k * 32ull + 16, 1,
			                                   VRING_DESC_F_WRITE, 0};
			if (next_rand() % 4 == 0) {
				struct vring_desc *x = &table[d + next_rand() % 3];
				switch (next_rand() % 4) {
				case 0:
					x->addr = any_buffer();
					break;
				case 1:
					x->len = any_len();
					break;
				case 2:
					x->flags = (uint16_t)(next_rand() % 8);
					break;
				default:
					x->next = (uint16_t)next_rand();
				}
			}
			struct vring_avail *a = g(AVAIL);
			a->ring[avail_idx % QSIZE] = next_rand() % 32 ? d : (uint16_t)next_rand();
			__atomic_store_n(&a->idx, ++avail_idx, __ATOMIC_RELEASE);
		}
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		struct pollfd p = {.fd = virtio_blk_fd(blk), .events = POLLIN};
		while (virtio_blk_inflight(blk)) {
			ck_assert_int_eq(poll(&p, 1, 10000), 1);
			virtio_blk_complete(blk);
		}
		if (rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET) {
			resets++;
			bring_up(); /* forgets what is in flight; their slots come back */
		}
	}
	ck_assert_int_gt(resets, rounds / 100); /* the generator breaks queues... */
	ck_assert_int_lt(resets, rounds / 2);   /* ...but most requests get through */
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, DISK_LEN); /* ...and nothing wrote past the disk */
	bring_up();
	uint8_t *s = request(0, VIRTIO_BLK_T_IN, 0, DATA, 512);
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_OK);
}

/* --- batches (include/hw/exo_blk.h) --- */

#define BATCH  0x30000ull /* the binding and its entries */
#define SPAGE  0x40000ull /* the status page */
#define BUFRUN 0x50000ull /* the binding's buffer run: 4 pages */

/* Request slot r as a batch: header, the binding and its entries, status. */
static uint8_t *batch_request(uint16_t r, const struct exo_blk_batch *h,
                              const struct exo_disk_req *e, uint32_t n)
{
	uint64_t hdr = HDRS + r * 32ull;
	*(struct virtio_blk_outhdr *)g(hdr) =
	        (struct virtio_blk_outhdr){.type = VIRTIO_BLK_T_EXO_BATCH};
	uint8_t *status = g(hdr + 16);
	*status = 0xee;
	memcpy(g(BATCH), h, sizeof(*h));
	memcpy(g(BATCH + sizeof(*h)), e, n * sizeof(*e));
	uint16_t d = (uint16_t)(r * 3);
	desc(d, hdr, 16, VRING_DESC_F_NEXT, d + 1);
	desc(d + 1, BATCH, (uint32_t)(sizeof(*h) + n * sizeof(*e)), VRING_DESC_F_NEXT, d + 2);
	desc(d + 2, hdr + 16, 1, VRING_DESC_F_WRITE, 0);
	struct vring_avail *a = g(AVAIL);
	a->ring[avail_idx % QSIZE] = d;
	__atomic_store_n(&a->idx, ++avail_idx, __ATOMIC_RELEASE);
	return status;
}

/* The same as the kernel sends it: the binding in its own buffer, the entries where
 * the caller wrote them, in two pieces of guest memory split inside an entry (a
 * vector that crosses a page), descriptors 48..52. */
static uint8_t *batch_split_request(const struct exo_blk_batch *h, const struct exo_disk_req *e,
                                    uint32_t n, uint32_t cut)
{
	uint64_t hdr = HDRS + 40 * 32ull, one = BATCH + 0x1000 - cut, two = BATCH + 0x3000;
	*(struct virtio_blk_outhdr *)g(hdr) =
	        (struct virtio_blk_outhdr){.type = VIRTIO_BLK_T_EXO_BATCH};
	uint8_t *status = g(hdr + 16);
	*status = 0xee;
	memcpy(g(BATCH), h, sizeof(*h));
	memcpy(g(one), e, cut);
	memcpy(g(two), (const uint8_t *)e + cut, n * sizeof(*e) - cut);
	desc(48, hdr, 16, VRING_DESC_F_NEXT, 49);
	desc(49, BATCH, sizeof(*h), VRING_DESC_F_NEXT, 50);
	desc(50, one, cut, VRING_DESC_F_NEXT, 51);
	desc(51, two, (uint32_t)(n * sizeof(*e) - cut), VRING_DESC_F_NEXT, 52);
	desc(52, hdr + 16, 1, VRING_DESC_F_WRITE, 0);
	struct vring_avail *a = g(AVAIL);
	a->ring[avail_idx % QSIZE] = 48;
	__atomic_store_n(&a->idx, ++avail_idx, __ATOMIC_RELEASE);
	return status;
}

static struct exo_blk_batch binding(uint32_t type, uint32_t n)
{
	/* an extent of 16 sectors from sector 8, a 16 KiB buffer run */
	return (struct exo_blk_batch){.first = 8,
	                              .count = 16,
	                              .buf = BUFRUN,
	                              .buf_bytes = 4 * 4096,
	                              .status = SPAGE,
	                              .block_size = 512,
	                              .type = type,
	                              .n = n};
}

/* Every entry is checked against the binding and gets its own result; the counter
 * counts every entry with a word. */
START_TEST(batch_checks_each_entry)
{
	features = 1u << VIRTIO_BLK_F_FLUSH | 1u << VIRTIO_BLK_F_EXO_BATCH;
	bring_up();
	int64_t *page = g(SPAGE);
	memset(page, 0x55, 4096);
	page[EXO_DISK_COUNTER] = 100;
	const struct exo_disk_req e[] = {
	        {.block = 0, .nblocks = 8, .page = 0, .status = 1},       /* sectors 8..15 */
	        {.block = 8, .nblocks = 8, .page = 3, .status = 2},       /* 16..23, page 3 */
	        {.block = 10, .nblocks = 8, .page = 0, .status = 3},      /* past the extent */
	        {.block = 0, .nblocks = 16, .page = 3, .status = 4},      /* past the run */
	        {.block = 0, .nblocks = 0, .page = 0, .status = 5},       /* no blocks */
	        {.block = 0, .nblocks = 8, .page = 0, .status = 0},       /* no word: skipped */
	        {.block = SECTORS, .nblocks = 1, .page = 0, .status = 6}, /* past the disk */
	        {.block = 0, .nblocks = 4097, .page = 0, .status = 7},    /* over 1 MiB... */
	};
	struct exo_blk_batch h = binding(VIRTIO_BLK_T_IN, 8);
	uint8_t *s = batch_request(0, &h, e, 8);
	ck_assert_uint_eq(kick_and_wait(1), 1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_OK);
	ck_assert_int_eq(page[EXO_DISK_COUNTER], 107);
	ck_assert_int_eq(page[1], 0);
	ck_assert_int_eq(page[2], 0);
	ck_assert_int_eq(page[3], -EXO_EPERM);
	ck_assert_int_eq(page[4], -EXO_EFAULT);
	ck_assert_int_eq(page[5], -EXO_EINVAL);
	ck_assert_int_eq(page[6], -EXO_ENXIO);
	ck_assert_int_eq(page[7], -EXO_EINVAL);
	ck_assert_int_eq(page[8], 0x5555555555555555);
	uint8_t host[4096];
	host_read(8 * 512, host, 4096);
	ck_assert_mem_eq(g(BUFRUN), host, 4096);
	host_read(16 * 512, host, 4096);
	ck_assert_mem_eq(g(BUFRUN + 3 * 4096), host, 4096);

	/* A write batch lands where its binding says. */
	memset(g(BUFRUN + 4096), 0xab, 1024);
	const struct exo_disk_req w[] = {{.block = 14, .nblocks = 2, .page = 1, .status = 9}};
	h = binding(VIRTIO_BLK_T_OUT, 1);
	s = batch_request(1, &h, w, 1);
	ck_assert_uint_eq(kick_and_wait(1), 1);
	ck_assert_int_eq(page[9], 0);
	host_read(22 * 512, host, 1024);
	ck_assert_mem_eq(g(BUFRUN + 4096), host, 1024);

	/* The binding and the entries in separate buffers, the entries in two pieces cut
	 * inside entry 1: each entry whole, read once and checked as before. */
	memset(g(BUFRUN), 0, 4 * 4096);
	memset(page, 0x55, 4096);
	page[EXO_DISK_COUNTER] = 0;
	h = binding(VIRTIO_BLK_T_IN, 4);
	s = batch_split_request(&h, e, 4, sizeof(e[0]) + 12);
	ck_assert_uint_eq(kick_and_wait(1), 1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_OK);
	ck_assert_int_eq(page[EXO_DISK_COUNTER], 4);
	ck_assert_int_eq(page[1], 0);
	ck_assert_int_eq(page[2], 0);
	ck_assert_int_eq(page[3], -EXO_EPERM);
	ck_assert_int_eq(page[4], -EXO_EFAULT);
	ck_assert_int_eq(page[5], 0x5555555555555555);
	host_read(16 * 512, host, 4096);
	ck_assert_mem_eq(g(BUFRUN + 3 * 4096), host, 4096);
	/* A piece short of n entries: a malformed batch, failed whole. */
	h = binding(VIRTIO_BLK_T_IN, 5);
	s = batch_split_request(&h, e, 4, 40);
	ck_assert_uint_eq(kick_and_wait(1), 1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(page[EXO_DISK_COUNTER], 4);
	features = 1u << VIRTIO_BLK_F_FLUSH;
}
END_TEST

/* A malformed binding fails the batch as a whole (the driver then fails its entries),
 * counted as a bad request; without the feature a batch is unsupported. */
START_TEST(batch_malformed_and_unsupported)
{
	const struct exo_disk_req e[] = {{.block = 0, .nblocks = 1, .page = 0, .status = 1}};
	struct exo_blk_batch h = binding(VIRTIO_BLK_T_IN, 1);
	uint8_t *s = batch_request(0, &h, e, 1);
	kick_and_wait(1);
	ck_assert_uint_eq(*s, VIRTIO_BLK_S_UNSUPP); /* not negotiated */

	features = 1u << VIRTIO_BLK_F_FLUSH | 1u << VIRTIO_BLK_F_EXO_BATCH;
	bring_up();
	int64_t *page = g(SPAGE);
	memset(page, 0, 4096);
	struct exo_blk_batch bad[6];
	for (int i = 0; i < 6; i++)
		bad[i] = binding(VIRTIO_BLK_T_IN, 1);
	bad[0].n = 2;             /* more entries than the chain carries */
	bad[1].block_size = 1000; /* not a power of 2 */
	bad[2].type = VIRTIO_BLK_T_FLUSH;
	bad[3].buf = RAM - 4096;   /* the run past RAM */
	bad[4].status = SPAGE + 8; /* a status page not page-aligned */
	bad[5].pad = 1;
	for (int i = 0; i < 6; i++) {
		s = batch_request(0, &bad[i], e, 1);
		kick_and_wait(1);
		ck_assert_uint_eq(*s, VIRTIO_BLK_S_IOERR);
	}
	ck_assert_int_eq(page[EXO_DISK_COUNTER], 0); /* nothing reported: the driver does */
	features = 1u << VIRTIO_BLK_F_FLUSH;
}
END_TEST
END_TEST

Suite *virtio_blk_suite(void)
{
	Suite *s = suite_create("virtio_blk");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, write_read_direct_and_buffered);
	tcase_add_test(tc, many_in_flight_and_flush);
	tcase_add_test(tc, get_id_is_the_file_name);
	tcase_add_test(tc, the_disks_edge);
	tcase_add_test(tc, malformed_requests);
	tcase_add_test(tc, read_only_disk);
	tcase_add_test(tc, reset_with_requests_in_flight);
	tcase_add_test(tc, batch_checks_each_entry);
	tcase_add_test(tc, batch_malformed_and_unsupported);
	suite_add_tcase(s, tc);
	TCase *fuzz = tcase_create("fuzz");
	tcase_add_checked_fixture(fuzz, setup, teardown);
	tcase_set_timeout(fuzz, 600);
	tcase_add_test(fuzz, random_requests);
	suite_add_tcase(s, fuzz);
	return s;
}
