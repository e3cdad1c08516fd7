/* The device side of the split virtqueue (hostsim/virtqueue.c): well-formed
 * chains (direct, indirect, notification suppression with and without
 * EVENT_IDX), each way a driver can break the protocol, and 10^6 random and
 * adversarial descriptor tables, under ASan in the test build: whatever the
 * guest writes, every buffer handed to a device lies in guest RAM and a chain
 * respects the queue's limits. */
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest_mem.h"
#include "unit.h"
#include "virtqueue.h"

#define RAM      (1u << 20)
#define QSIZE    16
#define DESC_GPA 0x1000u
#define AVAIL    0x2000u
#define USED     0x3000u
#define BUFS     0x10000u
#define FEATURES ((1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VIRTIO_RING_F_INDIRECT_DESC))

static struct guest_mem mem;
static struct virtq q;
static struct virtq_chain chain;

static struct vring_desc *desc_at(uint64_t gpa)
{
	return (struct vring_desc *)(mem.host + gpa);
}

static struct vring_avail *avail(void)
{
	return (struct vring_avail *)(mem.host + AVAIL);
}

static struct vring_used *used(void)
{
	return (struct vring_used *)(mem.host + USED);
}

static void setup(void)
{
	ck_assert_int_eq(guest_mem_init(&mem, RAM), 0);
	ck_assert_int_eq(virtq_init(&q, &mem, "vq-test", QSIZE, 0, DESC_GPA, AVAIL, USED, FEATURES),
	                 0);
}

static void teardown(void)
{
	guest_mem_free(&mem);
}

static void set_desc(uint64_t table, int i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
	desc_at(table)[i] =
	        (struct vring_desc){.addr = addr, .len = len, .flags = flags, .next = next};
}

/* Makes head the next available chain. */
static void offer(uint16_t head)
{
	avail()->ring[avail()->idx % QSIZE] = head;
	avail()->idx++;
}

START_TEST(direct_chain)
{
	set_desc(DESC_GPA, 3, BUFS, 16, VRING_DESC_F_NEXT, 5);
	set_desc(DESC_GPA, 5, BUFS + 16, 512, VRING_DESC_F_NEXT, 0);
	set_desc(DESC_GPA, 0, BUFS + 1024, 1, VRING_DESC_F_WRITE, 0);
	ck_assert_int_eq(virtq_pop(&q, &chain), 0); /* nothing offered yet */
	offer(3);
	ck_assert_int_eq(virtq_pop(&q, &chain), 1);
	ck_assert_uint_eq(chain.head, 3);
	ck_assert_uint_eq(chain.n, 3);
	ck_assert_uint_eq(chain.nout, 2);
	ck_assert_uint_eq(chain.out_bytes, 528);
	ck_assert_uint_eq(chain.in_bytes, 1);
	ck_assert_ptr_eq(chain.seg[1].host, mem.host + BUFS + 16);
	ck_assert(chain.seg[2].device_writes);
	ck_assert_int_eq(virtq_pop(&q, &chain), 0);
	virtq_push(&q, 3, 1);
	ck_assert_uint_eq(used()->idx, 1);
	ck_assert_uint_eq(used()->ring[0].id, 3);
	ck_assert_uint_eq(used()->ring[0].len, 1);
}
END_TEST

START_TEST(indirect_chain)
{
	uint64_t table = 0x8000;
	set_desc(table, 0, BUFS, 100, VRING_DESC_F_NEXT, 2);
	set_desc(table, 2, BUFS + 100, 200, VRING_DESC_F_NEXT, 1);
	set_desc(table, 1, BUFS + 300, 50, VRING_DESC_F_WRITE, 0);
	set_desc(DESC_GPA, 7, table, 3 * sizeof(struct vring_desc), VRING_DESC_F_INDIRECT, 0);
	offer(7);
	ck_assert_int_eq(virtq_pop(&q, &chain), 1);
	ck_assert_uint_eq(chain.head, 7);
	ck_assert_uint_eq(chain.n, 3);
	ck_assert_uint_eq(chain.out_bytes, 300);
	ck_assert_uint_eq(chain.in_bytes, 50);
}
END_TEST

START_TEST(interrupt_suppression)
{
	set_desc(DESC_GPA, 0, BUFS, 8, 0, 0);
	/* EVENT_IDX: the driver wants an interrupt once used_idx passes used_event. */
	avail()->ring[QSIZE] = 1; /* used_event */
	for (int i = 0; i < 3; i++)
		offer(0);
	ck_assert_int_eq(virtq_pop(&q, &chain), 1);
	virtq_push(&q, 0, 0);
	ck_assert(!virtq_should_interrupt(&q)); /* used 1: not past event 1 yet */
	ck_assert_int_eq(virtq_pop(&q, &chain), 1);
	virtq_push(&q, 0, 0);
	ck_assert(virtq_should_interrupt(&q));  /* used 2 passes 1 */
	ck_assert(!virtq_should_interrupt(&q)); /* nothing new */
	virtq_want_notify(&q);
	uint16_t event;
	memcpy(&event, &used()->ring[QSIZE], sizeof(event));
	ck_assert_uint_eq(event, 2); /* avail_event = last_avail */
	/* Without EVENT_IDX: the NO_INTERRUPT flag decides. */
	ck_assert_int_eq(virtq_init(&q, &mem, "vq-test", QSIZE, 0, DESC_GPA, AVAIL, USED, 0), 0);
	avail()->idx = 0;
	offer(0);
	ck_assert_int_eq(virtq_pop(&q, &chain), 1);
	virtq_push(&q, 0, 0);
	avail()->flags = VRING_AVAIL_F_NO_INTERRUPT;
	ck_assert(!virtq_should_interrupt(&q));
	avail()->flags = 0;
	offer(0);
	ck_assert_int_eq(virtq_pop(&q, &chain), 1);
	virtq_push(&q, 0, 0);
	ck_assert(virtq_should_interrupt(&q));
}
END_TEST

START_TEST(bad_setup)
{
	struct virtq b;
	ck_assert_int_eq(virtq_init(&b, &mem, "vq-test", 12, 0, DESC_GPA, AVAIL, USED, 0), -1);
	ck_assert_int_eq(virtq_init(&b, &mem, "vq-test", 0, 0, DESC_GPA, AVAIL, USED, 0), -1);
	ck_assert_int_eq(virtq_init(&b, &mem, "vq-test", QSIZE, 0, DESC_GPA + 8, AVAIL, USED, 0),
	                 -1);
	ck_assert_int_eq(virtq_init(&b, &mem, "vq-test", QSIZE, 0, DESC_GPA, AVAIL + 1, USED, 0),
	                 -1);
	ck_assert_int_eq(virtq_init(&b, &mem, "vq-test", QSIZE, 0, DESC_GPA, AVAIL, USED + 2, 0),
	                 -1);
	ck_assert_int_eq(virtq_init(&b, &mem, "vq-test", QSIZE, 0, RAM - 16, AVAIL, USED, 0), -1);
	ck_assert_int_eq(
	        virtq_init(&b, &mem, "vq-test", 32768, 0, DESC_GPA, AVAIL, RAM - 0x1000, 0), -1);
}
END_TEST

/* Each broken chain: pop says -1, and the queue stays broken. */
static void expect_broken(uint16_t head)
{
	offer(head);
	ck_assert_int_eq(virtq_pop(&q, &chain), -1);
	ck_assert(q.broken);
	ck_assert_int_eq(virtq_pop(&q, &chain), -1);
}

START_TEST(loop)
{
	set_desc(DESC_GPA, 0, BUFS, 1, VRING_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, BUFS, 1, VRING_DESC_F_NEXT, 0);
	expect_broken(0);
}
END_TEST

START_TEST(index_out_of_table)
{
	set_desc(DESC_GPA, 0, BUFS, 1, VRING_DESC_F_NEXT, QSIZE);
	expect_broken(0);
}
END_TEST

START_TEST(head_out_of_table)
{
	expect_broken(QSIZE + 3);
}
END_TEST

START_TEST(readable_after_writable)
{
	set_desc(DESC_GPA, 0, BUFS, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, BUFS, 1, 0, 0);
	expect_broken(0);
}
END_TEST

START_TEST(buffer_outside_ram)
{
	set_desc(DESC_GPA, 0, RAM - 4, 8, 0, 0);
	expect_broken(0);
}
END_TEST

START_TEST(buffer_wraps)
{
	set_desc(DESC_GPA, 0, UINT64_MAX - 2, 16, 0, 0);
	expect_broken(0);
}
END_TEST

START_TEST(nested_indirect)
{
	set_desc(0x8000, 0, 0x9000, 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(0x9000, 0, BUFS, 1, 0, 0);
	set_desc(DESC_GPA, 0, 0x8000, 16, VRING_DESC_F_INDIRECT, 0);
	expect_broken(0);
}
END_TEST

START_TEST(indirect_with_next)
{
	set_desc(0x8000, 0, BUFS, 1, 0, 0);
	set_desc(DESC_GPA, 0, 0x8000, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	expect_broken(0);
}
END_TEST

START_TEST(indirect_bad_length)
{
	set_desc(DESC_GPA, 0, 0x8000, 24, VRING_DESC_F_INDIRECT, 0);
	expect_broken(0);
}
END_TEST

START_TEST(indirect_not_negotiated)
{
	ck_assert_int_eq(virtq_init(&q, &mem, "vq-test", QSIZE, 0, DESC_GPA, AVAIL, USED, 0), 0);
	set_desc(0x8000, 0, BUFS, 1, 0, 0);
	set_desc(DESC_GPA, 0, 0x8000, 16, VRING_DESC_F_INDIRECT, 0);
	expect_broken(0);
}
END_TEST

START_TEST(indirect_loop)
{
	set_desc(0x8000, 0, BUFS, 1, VRING_DESC_F_NEXT, 1);
	set_desc(0x8000, 1, BUFS, 1, VRING_DESC_F_NEXT, 0);
	set_desc(DESC_GPA, 0, 0x8000, 32, VRING_DESC_F_INDIRECT, 0);
	expect_broken(0);
}
END_TEST

START_TEST(too_many_segments)
{
	ck_assert_int_eq(virtq_init(&q, &mem, "vq-test", QSIZE, 4, DESC_GPA, AVAIL, USED, 0), 0);
	for (int i = 0; i < 5; i++)
		set_desc(DESC_GPA, i, BUFS, 1, i < 4 ? VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	expect_broken(0);
}
END_TEST

START_TEST(avail_runs_ahead)
{
	set_desc(DESC_GPA, 0, BUFS, 1, 0, 0);
	avail()->idx = QSIZE + 1;
	ck_assert_int_eq(virtq_pop(&q, &chain), -1);
	ck_assert(q.broken);
}
END_TEST

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	return unit_rand(&rng);
}

/* An address a hostile driver might write: mostly inside RAM, sometimes at
 * its edges, past it, or anywhere at all. */
static uint64_t any_addr(void)
{
	switch (next_rand() % 6) {
	case 0:
		return next_rand();
	case 1:
		return RAM - next_rand() % 64;
	case 2:
		return UINT64_MAX - next_rand() % 64;
	default:
		return next_rand() % RAM;
	}
}

static uint32_t any_len(void)
{
	switch (next_rand() % 5) {
	case 0:
		return (uint32_t)next_rand();
	case 1:
		return (uint32_t)(next_rand() % 4) * 16; /* indirect-looking */
	default:
		return (uint32_t)(next_rand() % 4096);
	}
}

static void check_chain(const struct virtq_chain *c)
{
	ck_assert_uint_le(c->n, q.seg_max);
	ck_assert_uint_le(c->nout, c->n);
	uint64_t out = 0, in = 0;
	for (unsigned i = 0; i < c->n; i++) {
		const struct virtq_seg *s = &c->seg[i];
		ck_assert(s->host >= mem.host && s->host + s->len <= mem.host + RAM);
		ck_assert(s->device_writes == (i >= c->nout));
		*(s->device_writes ? &in : &out) += s->len;
	}
	ck_assert_uint_eq(out, c->out_bytes);
	ck_assert_uint_eq(in, c->in_bytes);
}

/* 10^6 random rings (EXO_FUZZ_COUNT): the descriptor table, an indirect table in RAM, and the
 * available ring are random, chains are taken until the queue is empty or
 * broken, and every chain handed out is checked. */
START_TEST(random_rings)
{
	static const uint64_t tables[] = {0x8000, 0x9000, DESC_GPA};
	long popped = 0, broke = 0, rounds = unit_fuzz_count(1000000);
	rng = unit_fuzz_seed(rng);
	for (long iter = 0; iter < rounds; iter++) {
		int size = 1 << (next_rand() % 5); /* 1..16 */
		uint64_t feat = next_rand() & FEATURES;
		ck_assert_int_eq(virtq_init(&q, &mem, "vq-fuzz", (uint16_t)size,
		                            (uint16_t)(next_rand() % 24), DESC_GPA, AVAIL, USED,
		                            feat),
		                 0);
		for (int t = 0; t < 3; t++)
			for (int i = 0; i < (t == 2 ? size : 8); i++) {
				uint64_t addr =
				        next_rand() % 4 ? any_addr() : tables[next_rand() % 3];
				set_desc(tables[t], i, addr, any_len(), (uint16_t)(next_rand() % 8),
				         (uint16_t)(next_rand() % 4 ? next_rand() % (unsigned)size
				                                    : next_rand()));
			}
		avail()->idx = (uint16_t)(next_rand() % 4 ? next_rand() % (unsigned)(size + 1)
		                                          : next_rand());
		for (int i = 0; i < size; i++)
			avail()->ring[i] = (uint16_t)(next_rand() % 8 ? next_rand() % (unsigned)size
			                                              : next_rand());
		for (int k = 0; k <= size; k++) {
			int r = virtq_pop(&q, &chain);
			if (r <= 0) {
				broke += r < 0;
				break;
			}
			popped++;
			check_chain(&chain);
			virtq_push(&q, chain.head, (uint32_t)chain.in_bytes);
		}
	}
	/* Both outcomes happened often: the generator is not degenerate. */
	ck_assert_int_gt(popped, rounds / 20);
	ck_assert_int_gt(broke, rounds / 10);
}
END_TEST

Suite *virtqueue_suite(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, direct_chain);
	tcase_add_test(tc, indirect_chain);
	tcase_add_test(tc, interrupt_suppression);
	tcase_add_test(tc, bad_setup);
	tcase_add_test(tc, loop);
	tcase_add_test(tc, index_out_of_table);
	tcase_add_test(tc, head_out_of_table);
	tcase_add_test(tc, readable_after_writable);
	tcase_add_test(tc, buffer_outside_ram);
	tcase_add_test(tc, buffer_wraps);
	tcase_add_test(tc, nested_indirect);
	tcase_add_test(tc, indirect_with_next);
	tcase_add_test(tc, indirect_bad_length);
	tcase_add_test(tc, indirect_not_negotiated);
	tcase_add_test(tc, indirect_loop);
	tcase_add_test(tc, too_many_segments);
	tcase_add_test(tc, avail_runs_ahead);
	suite_add_tcase(s, tc);
	/* ~20 s of CPU under ASan: a loaded host may take several times that. */
	TCase *fuzz = tcase_create("fuzz");
	tcase_add_checked_fixture(fuzz, setup, teardown);
	tcase_set_timeout(fuzz, 600);
	tcase_add_test(fuzz, random_rings);
	suite_add_tcase(s, fuzz);
	return s;
}
