/* Console input from the ring the kernel exports (include/exo/console.h).
 * Bytes are taken in ring 3.  Several readers, in one environment or several,
 * each take distinct bytes: tail moves by compare-and-swap, and a reader that
 * lost the race copies again.
 *
 * With exosim's asynchronous input (EXO_KINFO_CONSOLE_ASYNC) input arrives by
 * itself: a reader that finds the ring empty sleeps on a wakeup predicate over
 * `posted`, so the rest of the machine (its other threads, other processes)
 * runs meanwhile, and crosses into the kernel only to kick exosim when exosim
 * says it stopped (`paused`: the ring was full, or an end was taken).  Without
 * it, an empty ring costs one fill: a crossing and one VM exit that waits in
 * exosim for input. */
#include <stdbool.h>
#include <string.h>

#include <exo/console.h>
#include <exo/errno.h>
#include <exo/memlayout.h>
#include <exos/sys.h>

#define RING    ((struct exo_console_ring *)EXO_CONSOLE_IN)
#define LOAD(w) __atomic_load_n(&RING->w, __ATOMIC_SEQ_CST)

static bool async_input(void)
{
	return exo_kinfo()->flags & EXO_KINFO_CONSOLE_ASYNC;
}

/* exosim's end as read(2) gives it: 0, EINTR, or EIO for any other error
 * (the header is writable by every environment: nothing else is believed). */
static long end_result(int64_t r)
{
	return r == 0 || r == -EXO_EINTR ? (long)r : -EXO_EIO;
}

/* A reader took the last bytes: exosim, stopped for lack of room, reads on,
 * filling the ring in the kick's exit with what stdin has ready (one exit per
 * ring for a fast writer, as a fill).  The compare-and-swap that moved tail is
 * a locked instruction, so `paused` is loaded after it (exosim_pv.h). */
static void kick_if_stopped(uint64_t held)
{
	if (!held && LOAD(paused) && LOAD(ends) == LOAD(ends_taken))
		exo_console_fill();
}

/* What an empty ring means: 1 an end is pending (taken into *r when take),
 * 0 nothing yet (exosim kicked if it stopped; *wait set), -1 look again. */
static int empty_ring(uint64_t tail, uint64_t posted, bool take, long *r,
                      struct exo_pred_term *wait)
{
	uint64_t taken = LOAD(ends_taken);
	if (LOAD(ends) != taken) {
		/* exosim stores head before ends, and adds nothing after an end
		 * until it is taken: bytes that came before it go first. */
		if (LOAD(head) != tail)
			return -1;
		int64_t res = LOAD(end_result);
		if (!take)
			return 1;
		if (!__atomic_compare_exchange_n(&RING->ends_taken, &taken, taken + 1, false,
		                                 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
			return -1; /* another reader took it */
		*r = end_result(res);
		return 1;
	}
	if (LOAD(paused)) {
		long k = exo_console_fill();
		if (k < 0) {
			*r = k;
			return 1;
		}
	}
	/* exosim interrupts only when a reader sleeps: say so, then look at
	 * `posted` again (exosim stores it before it looks at `waiting`). */
	__atomic_store_n(&RING->waiting, 1, __ATOMIC_SEQ_CST);
	if (LOAD(posted) != posted)
		return -1;
	*wait = (struct exo_pred_term){.op = EXO_PRED_NE,
	                               .lhs_kind = EXO_OPND_MEM,
	                               .rhs_kind = EXO_OPND_CONST,
	                               .lhs = (uint64_t)&RING->posted,
	                               .rhs = posted};
	return 0;
}

/* Takes up to n bytes (n == 0: only looks).  Returns as exo_console_take,
 * with n == 0 giving 1 where a take would not wait. */
static long take(void *dst, size_t n, struct exo_pred_term *wait)
{
	uint64_t size = exo_kinfo()->console_in_size;
	const uint8_t *data = (const uint8_t *)EXO_CONSOLE_IN_DATA;

	if (!size)
		return n ? -EXO_ENOSYS : 1;
	for (;;) {
		/* posted first: a batch that lands after this moves it, so the
		 * predicate of a reader that found the ring empty holds. */
		uint64_t posted = LOAD(posted);
		uint64_t tail = LOAD(tail);
		uint64_t head = LOAD(head);
		if (LOAD(tail) != tail)
			continue; /* another reader took bytes: head and tail do not pair */
		uint64_t held = head - tail;
		if (held > size)
			return -EXO_EIO; /* a reader broke the ring; exosim refuses it too */
		if (held && !n)
			return 1;
		if (!held && !async_input()) {
			if (!n)
				return 1; /* the read waits in the fill */
			long r = exo_console_fill();
			if (r <= 0)
				return r; /* 0 at the end of input, or the error */
			continue;
		}
		if (!held) {
			long r = 0;
			int e = empty_ring(tail, posted, n != 0, &r, wait);
			if (e < 0)
				continue;
			return e ? (n ? r : 1) : n ? -EXO_EAGAIN : 0;
		}
		size_t k = n < held ? n : (size_t)held;
		size_t at = (size_t)(tail & (size - 1));
		size_t first = k < size - at ? k : (size_t)(size - at);
		memcpy(dst, data + at, first);
		memcpy((uint8_t *)dst + first, data, k - first);
		if (__atomic_compare_exchange_n(&RING->tail, &tail, tail + k, false,
		                                __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
			if (async_input())
				kick_if_stopped(held - k);
			return (long)k;
		}
	}
}

long exo_console_take(void *dst, size_t n, struct exo_pred_term *wait)
{
	return n ? take(dst, n, wait) : 0;
}

int exo_console_ready(struct exo_pred_term *wait)
{
	return take(NULL, 0, wait) != 0;
}

long exo_console_in(void *dst, size_t n)
{
	struct exo_pred_term t;
	long r;
	while ((r = exo_console_take(dst, n, &t)) == -EXO_EAGAIN)
		exo_wait(&t, 1); /* -EXO_EINTR (an upcall): look again */
	return r;
}
