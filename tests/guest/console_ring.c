/* console_ring: the console input ring (include/exo/console.h) as an
 * environment sees it.  Under exosim: its header is writable and its data
 * read-only; indices a reader broke are refused (exosim's PV_ERR_MALFORMED,
 * EIO here) and, once repaired, the ring works again; stdin is /dev/null, so
 * a read answers the end of input (with asynchronous input exosim posted it by
 * itself, and a fill is a kick: 0 too).  The wait on the ring's `ends` is a
 * predicate over an exported page.  With "none" (QEMU: no input device):
 * no ring, and both the fill and a read say ENOSYS. */
#define TEST_NAME "console_ring"
#include <string.h>

#include <exo/console.h>

#include "check.h"

static void no_device(void)
{
	RET(exo_kinfo()->console_in_size, 0, "no console input ring");
	ERR(exo_console_fill(), EXO_ENOSYS, "fill");
	char buf[8];
	ERR(exo_console_in(buf, sizeof(buf)), EXO_ENOSYS, "read");
}

static void ring(void)
{
	struct exo_console_ring *r = (struct exo_console_ring *)EXO_CONSOLE_IN;
	uint64_t size = exo_kinfo()->console_in_size;
	char buf[8];

	CHECK(size >= 4096 && !(size & (size - 1)), "the ring's size is a power of two, >= 4096");
	RET(probe_read((void *)EXO_CONSOLE_IN_DATA), 0, "read the ring's data");
	RET(probe_read((void *)(EXO_CONSOLE_IN_DATA + size - 1)), 0, "read its last byte");
	RET(probe_write((void *)EXO_CONSOLE_IN_DATA), -14, "write the ring's data (#PF)");
	RET(probe_write((void *)&r->tail), 0, "write the ring's tail");
	CHECK(r->head == 0 && r->tail == 0, "the ring is empty, nothing read yet");

	/* Asynchronous input: exosim read /dev/null's end by itself; once it is
	 * posted exosim waits for a kick, so only the kicks below see the
	 * indices (and count as refused requests). */
	while ((exo_kinfo()->flags & EXO_KINFO_CONSOLE_ASYNC) && r->ends == r->ends_taken) {
		struct exo_pred_term t = {.op = EXO_PRED_NE,
		                          .lhs_kind = EXO_OPND_MEM,
		                          .lhs = (uint64_t)&r->ends,
		                          .rhs = r->ends_taken};
		exo_wait(&t, 1);
	}
	r->tail = r->head + 1; /* past head */
	ERR(exo_console_fill(), EXO_EIO, "fill with tail past head (exosim refuses it)");
	ERR(exo_console_in(buf, sizeof(buf)), EXO_EIO, "read with tail past head");
	r->tail = r->head - size - 1; /* more than the ring apart */
	ERR(exo_console_fill(), EXO_EIO, "fill with head - tail > size");
	r->tail = r->head;
	RET(exo_console_fill(), 0, "fill once repaired: the end of input (/dev/null)");
	RET(exo_console_in(buf, sizeof(buf)), 0, "read: the end of input");
	CHECK(r->head == 0 && r->tail == 0, "nothing came in");
}

int main(int argc, char **argv)
{
	probe_install();
	if (argc > 1 && strcmp(argv[1], "none") == 0)
		no_device();
	else
		ring();
	return check_done();
}
