/* futex: the waits and wakes libcs build their locks, condition variables,
 * joins and Go its notes on.  Threads are ExOS's (thread.c), so a futex is a
 * list of parked threads: a waiter parks with linux_block and nothing to
 * wait for in the kernel, and only a wake from another thread (or a signal,
 * or its timeout) makes it runnable.  ExOS runs one thread at a time, so
 * checking the word and queueing are atomic with respect to the program.
 *
 * Private and shared futexes are the same here: the process's threads share
 * one address space.  A futex in memory shared between processes
 * (MAP_SHARED|MAP_ANONYMOUS, shm.c) is also woken by another process's
 * wake: a waiter there sleeps on the region's futex sequence word as well,
 * which any wake on shared memory moves, and returns 0 when it moves. */
#include <exos/sys.h>

#include "shm.h"
#include "thread.h"

#define FUTEX_WAIT             0
#define FUTEX_WAKE             1
#define FUTEX_REQUEUE          3
#define FUTEX_CMP_REQUEUE      4
#define FUTEX_WAKE_OP          5
#define FUTEX_WAIT_BITSET      9
#define FUTEX_WAKE_BITSET      10
#define FUTEX_PRIVATE_FLAG     128
#define FUTEX_CLOCK_REALTIME   256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

/* A parked waiter, on its own ExOS stack. */
struct waiter {
	uint64_t uaddr;
	uint32_t bitset;
	bool woken;
	void *thread;
	struct waiter *next;
};

static struct waiter *queue; /* oldest first: wakes are FIFO */

static void enqueue(struct waiter *w)
{
	struct waiter **p = &queue;
	while (*p)
		p = &(*p)->next;
	w->next = 0;
	*p = w;
}

static void unlink_waiter(struct waiter *w)
{
	for (struct waiter **p = &queue; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			return;
		}
}

static long get_word(uint64_t uaddr, uint32_t *v)
{
	if (uaddr & 3)
		return -LINUX_EINVAL;
	return linux_copy_from_user(v, uaddr, sizeof(*v));
}

static long futex_wait(uint64_t uaddr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	/* Shared memory: the sequence word before the futex word, so a wake in
	 * another process after our look moves it. */
	struct exo_pred_term t;
	bool shared = linux_shm_futex_term(uaddr, &t);
	uint32_t v;
	long r = get_word(uaddr, &v);
	if (r)
		return r;
	if (!bitset)
		return -LINUX_EINVAL;
	if (v != val)
		return -LINUX_EAGAIN;
	struct waiter w = {.uaddr = uaddr, .bitset = bitset, .thread = linux_thread_self()};
	enqueue(&w);
	do
		r = linux_block(shared ? &t : 0, shared, deadline);
	while (r == 0 && !w.woken && !(shared && linux_pred_holds(&t, 1)));
	if (w.woken)
		return 0;
	unlink_waiter(&w);
	return r;
}

long linux_futex_wake(uint64_t uaddr, int n, uint32_t bitset)
{
	long woken = 0;
	struct waiter **p = &queue;
	linux_shm_futex_woke(uaddr); /* waiters in other processes look again */
	while (*p && woken < n) {
		struct waiter *w = *p;
		if (w->uaddr != uaddr || !(w->bitset & bitset)) {
			p = &w->next;
			continue;
		}
		*p = w->next;
		w->woken = true;
		linux_thread_wake(w->thread);
		woken++;
	}
	return woken;
}

/* Wakes nwake waiters on uaddr and moves up to nmove others to uaddr2. */
static long requeue(uint64_t uaddr, long nwake, long nmove, uint64_t uaddr2)
{
	if (nwake < 0 || nmove < 0)
		return -LINUX_EINVAL;
	long n = linux_futex_wake(uaddr, (int)(nwake > 0x7fffffff ? 0x7fffffff : nwake),
	                          FUTEX_BITSET_MATCH_ANY);
	for (struct waiter *w = queue; w && nmove > 0; w = w->next)
		if (w->uaddr == uaddr) {
			w->uaddr = uaddr2;
			nmove--;
			n++;
		}
	return n;
}

static int32_t sign12(uint32_t v)
{
	return (int32_t)(v << 20) >> 20;
}

/* FUTEX_WAKE_OP: *uaddr2 = *uaddr2 OP oparg; wake n on uaddr, and n2 on
 * uaddr2 if the old value compared true with cmparg. */
static long wake_op(uint64_t uaddr, long n, long n2, uint64_t uaddr2, uint32_t val3)
{
	uint32_t op = val3 >> 28 & 7, cmp = val3 >> 24 & 15;
	int32_t oparg = sign12(val3 >> 12 & 0xfff), cmparg = sign12(val3 & 0xfff);
	if (val3 >> 31) /* FUTEX_OP_OPARG_SHIFT */
		oparg = (int32_t)(1u << (oparg & 31));
	uint32_t old, neu;
	long r = get_word(uaddr2, &old);
	if (r)
		return r;
	switch (op) {
	case 0:
		neu = (uint32_t)oparg;
		break;
	case 1:
		neu = old + (uint32_t)oparg;
		break;
	case 2:
		neu = old | (uint32_t)oparg;
		break;
	case 3:
		neu = old & ~(uint32_t)oparg;
		break;
	case 4:
		neu = old ^ (uint32_t)oparg;
		break;
	default:
		return -LINUX_ENOSYS;
	}
	bool hit;
	int32_t o = (int32_t)old;
	switch (cmp) {
	case 0:
		hit = o == cmparg;
		break;
	case 1:
		hit = o != cmparg;
		break;
	case 2:
		hit = o < cmparg;
		break;
	case 3:
		hit = o <= cmparg;
		break;
	case 4:
		hit = o > cmparg;
		break;
	case 5:
		hit = o >= cmparg;
		break;
	default:
		return -LINUX_ENOSYS;
	}
	if (linux_copy_to_user(uaddr2, &neu, sizeof(neu)))
		return -LINUX_EFAULT;
	long woken = linux_futex_wake(uaddr, (int)n, FUTEX_BITSET_MATCH_ANY);
	if (hit)
		woken += linux_futex_wake(uaddr2, (int)n2, FUTEX_BITSET_MATCH_ANY);
	return woken;
}

/* The timeout of a wait: relative for FUTEX_WAIT, absolute (monotonic, or
 * realtime with FUTEX_CLOCK_REALTIME) for FUTEX_WAIT_BITSET. */
static long deadline_of(long uts, int cmd, bool realtime, uint64_t *deadline)
{
	struct linux_timespec ts;
	*deadline = 0;
	if (!uts)
		return 0;
	if (linux_copy_from_user(&ts, (uint64_t)uts, sizeof(ts)))
		return -LINUX_EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -LINUX_EINVAL;
	uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (cmd == FUTEX_WAIT)
		ns += linux_monotonic_ns();
	else if (realtime)
		ns = ns > exo_kinfo()->epoch_ns ? ns - exo_kinfo()->epoch_ns : 0;
	*deadline = ns ? ns : 1; /* 0 would mean none */
	return 0;
}

SYS(sys_futex)
{
	UNUSED6;
	int cmd = (int)(a2 & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
	bool realtime = a2 & FUTEX_CLOCK_REALTIME;
	uint64_t uaddr = (uint64_t)a1, deadline;
	long r;
	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -LINUX_ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if ((r = deadline_of(a4, cmd, realtime, &deadline)))
			return r;
		return futex_wait(uaddr, (uint32_t)a3, deadline,
		                  cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a6);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (uaddr & 3)
			return -LINUX_EINVAL;
		if (cmd == FUTEX_WAKE_BITSET && !(uint32_t)a6)
			return -LINUX_EINVAL;
		return linux_futex_wake(uaddr, (int)(a3 > 0x7fffffff ? 0x7fffffff : a3),
		                        cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a6);
	case FUTEX_CMP_REQUEUE: {
		uint32_t v;
		if ((r = get_word(uaddr, &v)))
			return r;
		if (v != (uint32_t)a6)
			return -LINUX_EAGAIN;
	}
		/* fall through */
	case FUTEX_REQUEUE:
		if ((uaddr & 3) || ((uint64_t)a5 & 3))
			return -LINUX_EINVAL;
		return requeue(uaddr, (int32_t)a3, (int32_t)a4, (uint64_t)a5);
	case FUTEX_WAKE_OP:
		if (uaddr & 3)
			return -LINUX_EINVAL;
		return wake_op(uaddr, (int32_t)a3, (int32_t)a4, (uint64_t)a5, (uint32_t)a6);
	default:
		return -LINUX_ENOSYS; /* the PI and robust-list operations */
	}
}

const struct linux_syscall_def linux_futex_syscalls[] = {
        LINUX_DEF(futex),
};
const size_t linux_futex_nsyscalls = ARRAY_LEN(linux_futex_syscalls);
