/* Asynchronous console input (hostsim/stdin_async.c), driven as the kernel and
 * the readers drive it: stdin is a pipe the test writes, the ring a header page
 * and RING bytes of data in a 1 MiB guest, the pin an eventfd.  The attach and
 * kicks read what is ready in their own call; the I/O thread reads what comes
 * later and raises the pin only for a sleeping reader; an end is posted once
 * and read again only after it was taken; a broken ring is refused. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <exo/console.h>
#include <hw/exosim_pv.h>

#include "guest_mem.h"
#include "io_thread.h"
#include "stats.h"
#include "stdin_async.h"
#include "unit.h"

#define RING_GPA 0x10000u
#define RING     8192u

static struct guest_mem mem;
static struct pv_console_in req;
static struct exo_console_ring *hdr;
static uint8_t *data;
static int in_fd, irq_fd;

static void setup(void)
{
	int p[2];
	ck_assert_int_eq(guest_mem_init(&mem, 1 << 20), 0);
	req = (struct pv_console_in){.ring = RING_GPA, .size = RING};
	hdr = (struct exo_console_ring *)(mem.host + RING_GPA);
	data = mem.host + RING_GPA + 4096;
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	in_fd = p[1];
	irq_fd = eventfd(0, EFD_NONBLOCK);
	ck_assert_int_ge(irq_fd, 0);
	stdin_async_wire(irq_fd);
}

static void teardown(void)
{
	guest_mem_free(&mem);
}

static int32_t request(void)
{
	return stdin_async_request("pv-stdin", &req, mem.host + RING_GPA);
}

static void put(const char *s)
{
	ck_assert_int_eq(write(in_fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* The interrupts raised since the last look. */
static uint64_t irqs(void)
{
	uint64_t n = 0;
	if (read(irq_fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

/* A reader takes everything the ring holds. */
static void take_all(void)
{
	hdr->tail = hdr->head;
}

/* What is ready at the attach comes in it; exosim then stops, the ring holding
 * bytes, and no reader sleeps: no interrupt. */
START_TEST(attach_takes_ready_input)
{
	put("hello");
	ck_assert_int_eq(request(), 0);
	ck_assert_uint_eq(hdr->head, 5);
	ck_assert_mem_eq(data, "hello", 5);
	ck_assert_uint_eq(hdr->posted, 1);
	ck_assert_uint_ne(hdr->paused, 0);
	ck_assert_uint_eq(irqs(), 0);
	ck_assert(stdin_async_attached());
	/* A kick while the ring holds bytes reads nothing. */
	put("world");
	ck_assert_int_eq(request(), 0);
	ck_assert_uint_eq(hdr->head, 5);
	/* Once the readers took them all, the kick brings the next batch. */
	take_all();
	ck_assert_int_eq(request(), 0);
	ck_assert_uint_eq(hdr->head, 10);
	ck_assert_mem_eq(data + 5, "world", 5);
	ck_assert_uint_eq(hdr->posted, 2);
}
END_TEST

/* Input that comes later is read by the I/O thread, which raises the pin once
 * for the reader that said it sleeps, and clears `waiting`. */
START_TEST(later_input_wakes_a_sleeper)
{
	ck_assert_int_eq(request(), 0);
	ck_assert_uint_eq(hdr->head, 0);
	ck_assert_uint_eq(hdr->paused, 0); /* empty: stdin is watched */
	hdr->waiting = 1;
	io_thread_start();
	put("late");
	struct pollfd p = {.fd = irq_fd, .events = POLLIN};
	ck_assert_int_eq(poll(&p, 1, 10000), 1);
	io_thread_stop();
	ck_assert_uint_eq(irqs(), 1);
	ck_assert_uint_eq(hdr->head, 4);
	ck_assert_mem_eq(data, "late", 4);
	ck_assert_uint_eq(hdr->waiting, 0);
	ck_assert_uint_eq(hdr->posted, 1);
}
END_TEST

/* The end comes after the bytes before it, once; exosim asks its stdin again
 * only after a reader took it and kicked. */
START_TEST(end_once_per_read)
{
	put("abc");
	close(in_fd);
	ck_assert_int_eq(request(), 0);
	ck_assert_uint_eq(hdr->head, 3);
	ck_assert_uint_eq(hdr->ends, 1);
	ck_assert_int_eq(hdr->end_result, 0);
	ck_assert_uint_ne(hdr->paused, 0);
	take_all();
	ck_assert_int_eq(request(), 0); /* the end is not taken yet: nothing new */
	ck_assert_uint_eq(hdr->ends, 1);
	hdr->ends_taken = 1;
	ck_assert_int_eq(request(), 0); /* the next read: the pipe's end again */
	ck_assert_uint_eq(hdr->ends, 2);
	ck_assert_uint_eq(hdr->head, 3);
}
END_TEST

/* A full ring stops exosim; the kick after the readers emptied it refills it,
 * wrapping around the end of the data. */
START_TEST(full_ring)
{
	static char big[RING + 100];
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = 0;
	put(big);
	ck_assert_int_eq(request(), 0);
	ck_assert_uint_eq(hdr->head, RING);
	ck_assert_uint_ne(hdr->paused, 0);
	hdr->tail = RING - 10; /* not all taken: the kick waits */
	ck_assert_int_eq(request(), 0);
	ck_assert_uint_eq(hdr->head, RING);
	take_all();
	ck_assert_int_eq(request(), 0);
	ck_assert_uint_eq(hdr->head, RING + 99);
}
END_TEST

/* Broken indices, another ring, a misaligned one and a synchronous fill after
 * the attach are refused and counted; repaired indices work again. */
START_TEST(malformed)
{
	uint64_t before = stats_bad_request("pv-stdin");
	req.ring = RING_GPA + 8;
	ck_assert_int_eq(request(), PV_ERR_MALFORMED); /* not page-aligned */
	req.ring = RING_GPA;
	hdr->tail = 1;
	ck_assert_int_eq(request(), PV_ERR_MALFORMED); /* tail past head at the attach */
	hdr->tail = 0;
	ck_assert_int_eq(request(), 0);
	hdr->tail = RING + 1;
	ck_assert_int_eq(request(), PV_ERR_MALFORMED);
	hdr->tail = (uint64_t)0 - RING - 1;
	ck_assert_int_eq(request(), PV_ERR_MALFORMED);
	hdr->tail = 0;
	put("ok");
	ck_assert_int_eq(request(), 0);
	ck_assert_uint_eq(hdr->head, 2);
	req.size = RING * 2;
	ck_assert_int_eq(request(), PV_ERR_MALFORMED); /* not the attached ring */
	ck_assert_uint_eq(stats_bad_request("pv-stdin"), before + 5 + 1);
}
END_TEST

Suite *stdin_async_suite(void)
{
	Suite *s = suite_create("stdin_async");
	TCase *t = tcase_create("ring");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, attach_takes_ready_input);
	tcase_add_test(t, later_input_wakes_a_sleeper);
	tcase_add_test(t, end_once_per_read);
	tcase_add_test(t, full_ring);
	tcase_add_test(t, malformed);
	suite_add_tcase(s, t);
	return s;
}
