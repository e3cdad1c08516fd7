/* Threads: M:1 in ExOS (issue 14, D6).  A process is one environment; its
 * threads are ExOS's, switched in ring 3.
 *
 * Each thread has its own ExOS stack: a system call runs on the calling
 * thread's stack (entry.S and the trap path use linux_exos_stack_top), so a
 * thread that blocks inside ExOS (a futex, a pipe, a sleep: linux_block)
 * keeps its place there while another runs.  A switch (switch_to) saves the
 * callee-saved registers and the stack pointer (thread_switch.S), the
 * FPU/SSE state (XSAVE/FXSAVE into the thread's page), the signal mask,
 * pending set and altstack (signal.c's, swapped), the call being served
 * (linux_cur_ctx), and sets the FS base (EXO_SYS_SET_FSBASE: one crossing)
 * when it differs.  ExOS never runs two threads' code at once, so its own
 * state needs no locks against its threads.
 *
 * Preemption: with more than one thread, ExOS asks for the kernel's tick
 * upcall (EXO_EV_TICK, a prologue upcall each tick it keeps the CPU).  One
 * that lands in program code switches there (syscall.c moves the interrupted
 * state off the exception stack first); one that lands inside ExOS only sets
 * linux_need_resched, and the switch happens on the way out of the call
 * (linux_thread_exit_point).  So a spinning thread gets at most a tick.
 *
 * Memory: thread slot i at SLOT_BASE + i * SLOT_SIZE holds its FPU page and
 * its 64 KiB ExOS stack, mapped at its first use and kept for reuse.  The
 * main thread uses ExOS's original stack (LINUX_EXOS_STACK_*) and slot 0's
 * FPU page. */
#include <string.h>

#include <exos/sched.h>
#include <exos/sys.h>
#include <exos/vm.h>

#include "fpstate.h"
#include "thread.h"

#define MAX_THREADS 128
#define SLOT_BASE   LINUX_THREADS
#define SLOT_SIZE   0x40000ul
#define STACK_PAGES 16
#define TID_STRIDE  16384 /* tid = pid + TID_STRIDE * (slot + 1): pids stay below it */

#define CLONE_VM             0x00000100
#define CLONE_SIGHAND        0x00000800
#define CLONE_VFORK          0x00004000
#define CLONE_THREAD         0x00010000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000

#define SS_DISABLE 2

_Static_assert((MAX_THREADS * SLOT_SIZE) <= LINUX_THREADS_MAX, "the thread slots");
_Static_assert((1 + STACK_PAGES) * EXO_PAGE_SIZE <= SLOT_SIZE, "a thread slot");

enum { T_FREE, T_RUNNABLE, T_BLOCKED, T_DEAD };

struct thread {
	int state;
	int tid;      /* 0 for the main thread: its tid is the pid */
	bool mapped;  /* the slot's pages are mapped */
	bool woken;   /* linux_thread_wake while parked */
	uint64_t rsp; /* its ExOS stack pointer while switched out */
	uint64_t stack_lo, stack_hi;
	uint64_t fpu; /* its FPU/SSE save area (a page) */
	uint64_t fs_base;
	uint64_t clear_tid; /* CLONE_CHILD_CLEARTID, set_tid_address */
	struct linux_ctx *cur_ctx;
	struct linux_sigstate sig; /* while switched out */
	/* Parked: its predicate and deadline. */
	struct exo_pred_term terms[EXO_PRED_MAX_TERMS];
	int nterms;
	uint64_t deadline;
};

/* In .bss, not .data: with threads[0] initialized statically the whole 66 KB
 * table was file data, which the kernel's loader copies into ExOS at every
 * boot (~8K `rep movsq` iterations, ~5 ms of emulated ring 0 on KVM-on-PVM).
 * linux_thread_boot sets the main thread up instead. */
static struct thread threads[MAX_THREADS];
static struct thread *cur = &threads[0], *main_thread = &threads[0];
static int nlive = 1, nslots = 1;
static unsigned ticks_reasons;
static bool fpu0_mapped;

uint64_t linux_exos_stack_lo = LINUX_EXOS_STACK_LO, linux_exos_stack_top = LINUX_EXOS_STACK_HI;
volatile bool linux_need_resched;
volatile uint64_t linux_io_seq;

/* thread_switch.S: saves the callee-saved registers and rsp to *save, loads
 * rsp = load and returns on that stack. */
void linux_thread_switch(uint64_t *save, uint64_t load);
_Noreturn void linux_ctx_resume(struct linux_ctx *ctx);

void linux_thread_boot(void)
{
	threads[0].state = T_RUNNABLE;
	threads[0].stack_lo = LINUX_EXOS_STACK_LO;
	threads[0].stack_hi = LINUX_EXOS_STACK_HI;
}

bool linux_threads_many(void)
{
	return nlive > 1;
}

void *linux_thread_self(void)
{
	return cur;
}

static long my_pid(void)
{
	return linux_syscall_fn(LINUX_SYS_getpid)(0, 0, 0, 0, 0, 0);
}

static long tid_of(const struct thread *t)
{
	return t == main_thread ? my_pid() : t->tid;
}

void linux_ticks_want(unsigned reason, bool on)
{
	unsigned was = ticks_reasons;
	ticks_reasons = on ? was | reason : was & ~reason;
	if (!was == !ticks_reasons)
		return;
	unsigned events = exos_env_info(exos_self_id())->events;
	exos_set_upcall_events(ticks_reasons ? events | EXO_EV_TICK : events & ~EXO_EV_TICK);
}

/* ---- switching -------------------------------------------------------- */

static void after_switch(void)
{
	linux_fpstate_load_raw(cur->fpu);
	linux_cur_ctx = cur->cur_ctx;
	for (int i = 0; i < nslots; i++)
		if (threads[i].state == T_DEAD && &threads[i] != cur)
			threads[i].state = T_FREE; /* off its stack now */
}

static void switch_to(struct thread *next)
{
	struct thread *prev = cur;
	prev->cur_ctx = linux_cur_ctx;
	linux_fpstate_save_raw(prev->fpu);
	linux_signal_swap(&prev->sig, &next->sig);
	if (next->fs_base != prev->fs_base)
		exos_set_fsbase(next->fs_base);
	cur = next;
	linux_exos_stack_lo = next->stack_lo;
	linux_exos_stack_top = next->stack_hi;
	linux_thread_switch(&prev->rsp, next->rsp);
	after_switch();
}

static bool signal_ready(const struct thread *t)
{
	return t == cur ? linux_signal_pending()
	                : linux_signal_wanted(t->sig.pending & ~t->sig.blocked);
}

/* Parked threads whose wait is over become runnable. */
static void wake_ready(void)
{
	uint64_t now = linux_monotonic_ns();
	for (int i = 0; i < nslots; i++) {
		struct thread *t = &threads[i];
		if (t->state != T_BLOCKED)
			continue;
		if (t->woken || (t->deadline && now >= t->deadline) || signal_ready(t) ||
		    (t->nterms && linux_pred_holds(t->terms, t->nterms)))
			t->state = T_RUNNABLE;
	}
}

/* The next runnable thread after cur, round robin; cur itself last. */
static struct thread *pick(void)
{
	int at = (int)(cur - threads);
	for (int i = 1; i <= nslots; i++) {
		struct thread *t = &threads[(at + i) % nslots];
		if (t->state == T_RUNNABLE)
			return t;
	}
	return 0;
}

/* Every thread is parked: the process waits in the kernel on the sum of
 * their predicates and the earliest deadline. */
static void wait_all(void)
{
	struct exo_pred_term all[EXO_PRED_MAX_TERMS + 1];
	int n = 0;
	uint64_t deadline = 0;
	for (int i = 0; i < nslots; i++) {
		const struct thread *t = &threads[i];
		if (t->state != T_BLOCKED)
			continue;
		if (t->deadline && (!deadline || t->deadline < deadline))
			deadline = t->deadline;
		for (int k = 0; k < t->nterms && n <= EXO_PRED_MAX_TERMS; k++) {
			all[n] = t->terms[k];
			all[n].flags &= (uint8_t)~EXO_PRED_OR;
			if (k == t->nterms - 1 || (t->terms[k].flags & EXO_PRED_OR))
				all[n].flags |= EXO_PRED_OR;
			n++;
		}
	}
	/* Past EXO_PRED_MAX_TERMS, linux_block_kernel looks again every ms. */
	linux_block_kernel(all, n, deadline);
}

/* Runs runnable threads until cur may go on (it is runnable again). */
static void schedule(void)
{
	for (;;) {
		linux_timer_poll();
		wake_ready();
		struct thread *next = pick();
		if (next) {
			linux_need_resched = false;
			if (next != cur)
				switch_to(next);
			return;
		}
		wait_all();
	}
}

static void yield(void)
{
	schedule(); /* cur stays runnable: the others go first */
}

long linux_thread_park(struct exo_pred_term *terms, int n, uint64_t deadline_ns)
{
	struct thread *t = cur;
	if (n > EXO_PRED_MAX_TERMS)
		n = EXO_PRED_MAX_TERMS;
	memcpy(t->terms, terms, (size_t)n * sizeof(*terms));
	t->nterms = n;
	t->deadline = deadline_ns;
	t->woken = false;
	t->state = T_BLOCKED;
	schedule();
	t->nterms = 0;
	if (linux_signal_pending())
		return -LINUX_EINTR;
	if (!t->woken && deadline_ns && linux_monotonic_ns() >= deadline_ns)
		return -LINUX_ETIMEDOUT;
	return 0;
}

void linux_thread_wake(void *handle)
{
	struct thread *t = handle;
	t->woken = true;
	if (t->state == T_BLOCKED)
		t->state = T_RUNNABLE;
}

void linux_thread_exit_point(void)
{
	linux_io_seq++; /* the call may have made a descriptor ready */
	linux_timer_poll();
	if (linux_need_resched) {
		linux_need_resched = false;
		if (nlive > 1)
			yield();
	}
}

void linux_thread_preempted(struct linux_ctx *c)
{
	linux_cur_ctx = c;
	linux_need_resched = false;
	if (nlive > 1)
		yield();
	linux_timer_poll();
	linux_signal_deliver_pending(c);
	linux_cur_ctx = 0;
}

/* ---- creation and exit ------------------------------------------------ */

/* A new thread's first run: its context is at the top of its ExOS stack. */
static _Noreturn void thread_start(void)
{
	after_switch();
	struct linux_ctx *c = (struct linux_ctx *)(cur->stack_hi - sizeof(struct linux_ctx));
	linux_cur_ctx = c;
	linux_signal_deliver_pending(c);
	linux_cur_ctx = 0;
	linux_ctx_resume(c);
}

static long map_slot(struct thread *t, int i)
{
	uint64_t base = SLOT_BASE + (uint64_t)i * SLOT_SIZE;
	if (!t->mapped) {
		if (exos_map_run(base, 1 + STACK_PAGES, EXO_PTE_W | EXO_PTE_NX) < 0)
			return -LINUX_EAGAIN;
		t->mapped = true;
	}
	t->fpu = base;
	t->stack_lo = base + EXO_PAGE_SIZE;
	t->stack_hi = t->stack_lo + STACK_PAGES * EXO_PAGE_SIZE;
	return 0;
}

/* The first clone: the main thread gets its FPU page. */
static long threads_init(void)
{
	if (fpu0_mapped)
		return 0;
	uint64_t page = SLOT_BASE + (uint64_t)(main_thread - threads) * SLOT_SIZE;
	if (!main_thread->mapped && exos_map_run(page, 1, EXO_PTE_W | EXO_PTE_NX) < 0)
		return -LINUX_EAGAIN;
	main_thread->fpu = page;
	fpu0_mapped = true;
	return 0;
}

static struct thread *slot_alloc(int *index)
{
	for (int i = 0; i < MAX_THREADS; i++)
		if (threads[i].state == T_FREE && &threads[i] != main_thread) {
			if (map_slot(&threads[i], i) < 0)
				return 0;
			if (i >= nslots)
				nslots = i + 1;
			*index = i;
			return &threads[i];
		}
	return 0;
}

static long put_tid(uint64_t uaddr, long tid)
{
	int32_t v = (int32_t)tid;
	return linux_copy_to_user(uaddr, &v, sizeof(v));
}

static long thread_clone(uint64_t flags, uint64_t newsp, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
	if ((flags & (CLONE_VM | CLONE_SIGHAND)) != (CLONE_VM | CLONE_SIGHAND))
		return -LINUX_EINVAL;
	if ((flags & CLONE_SETTLS) && tls >= EXO_USER_TOP)
		return -LINUX_EPERM;
	if (threads_init() < 0)
		return -LINUX_EAGAIN;
	int i;
	struct thread *t = slot_alloc(&i);
	if (!t)
		return -LINUX_EAGAIN;
	long tid = my_pid() + TID_STRIDE * (i + 1);
	if (((flags & CLONE_PARENT_SETTID) && put_tid(ptid, tid)) ||
	    ((flags & CLONE_CHILD_SETTID) && put_tid(ctid, tid)))
		return -LINUX_EFAULT;
	t->tid = (int)tid;
	t->clear_tid = flags & CLONE_CHILD_CLEARTID ? ctid : 0;
	t->fs_base = flags & CLONE_SETTLS ? tls : cur->fs_base;
	t->sig = (struct linux_sigstate){.blocked = linux_signal_blocked(), .ss_flags = SS_DISABLE};
	t->woken = false;
	t->nterms = 0;
	t->cur_ctx = 0;
	linux_fpstate_save_raw(t->fpu); /* the child starts with our FPU state */

	struct linux_ctx *c = (struct linux_ctx *)(t->stack_hi - sizeof(struct linux_ctx));
	*c = *linux_cur_ctx;
	c->rax = 0;
	if (newsp)
		c->rsp = newsp;
	uint64_t *sp = (uint64_t *)c;
	*--sp = 0; /* thread_start is entered as a call would (rsp + 8 aligned) */
	*--sp = (uint64_t)thread_start;
	for (int k = 0; k < 6; k++) /* rbp rbx r12..r15 */
		*--sp = 0;
	t->rsp = (uint64_t)sp;
	t->state = T_RUNNABLE;
	nlive++;
	linux_ticks_want(LINUX_TICKS_THREADS, true);
	return tid;
}

SYS(sys_clone)
{
	UNUSED6;
	if ((a1 & (CLONE_VM | CLONE_THREAD)) == (CLONE_VM | CLONE_THREAD) && !(a1 & CLONE_VFORK))
		return thread_clone((uint64_t)a1, (uint64_t)a2, (uint64_t)a3, (uint64_t)a4,
		                    (uint64_t)a5);
	linux_sysfn other = linux_syscall_prev(LINUX_SYS_clone); /* processes: fork.c */
	return other ? other(a1, a2, a3, a4, a5, a6) : -LINUX_ENOSYS;
}

SYS(sys_clone3)
{
	UNUSED6;
	return -LINUX_ENOSYS; /* libcs fall back to clone */
}

/* exit: this thread only.  The last one's status is the process's. */
SYS(sys_exit)
{
	UNUSED6;
	if (nlive == 1)
		linux_exit((int)(a1 & 0xff));
	struct thread *t = cur;
	if (t->clear_tid && put_tid(t->clear_tid, 0) == 0)
		linux_futex_wake(t->clear_tid, 1, ~0u);
	t->state = T_DEAD;
	nlive--;
	schedule(); /* never comes back: a dead thread is not picked */
	linux_exit((int)(a1 & 0xff));
}

SYS(sys_gettid)
{
	UNUSED6;
	return tid_of(cur);
}

SYS(sys_set_tid_address)
{
	UNUSED6;
	cur->clear_tid = (uint64_t)a1;
	return tid_of(cur);
}

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

SYS(sys_arch_prctl)
{
	UNUSED6;
	switch (a1) {
	case ARCH_SET_FS:
		if ((uint64_t)a2 >= EXO_USER_TOP)
			return -LINUX_EPERM;
		if (exos_set_fsbase((uint64_t)a2) < 0)
			return -LINUX_EINVAL;
		cur->fs_base = (uint64_t)a2;
		return 0;
	case ARCH_GET_FS:
		return linux_copy_to_user((uint64_t)a2, &cur->fs_base, sizeof(cur->fs_base));
	default:
		return -LINUX_EINVAL; /* GS is not offered */
	}
}

SYS(sys_sched_yield)
{
	UNUSED6;
	if (nlive > 1)
		yield();
	else
		exo_yield();
	return 0;
}

/* ---- signals to threads ----------------------------------------------- */

static struct thread *by_tid(long tid)
{
	for (int i = 0; i < nslots; i++) {
		struct thread *t = &threads[i];
		if ((t->state == T_RUNNABLE || t->state == T_BLOCKED) && tid_of(t) == tid)
			return t;
	}
	return 0;
}

static void post(struct thread *t, int sig)
{
	if (t == cur) {
		linux_signal_post_self(sig);
		return;
	}
	t->sig.pending |= 1ull << (sig - 1);
	if (t->state == T_BLOCKED)
		linux_thread_wake(t);
}

long linux_thread_kill(long tgid, long tid, long sig)
{
	if (tid <= 0 || (tgid != -1 && tgid <= 0))
		return -LINUX_EINVAL;
	struct thread *t = by_tid(tid);
	if (!t || (tgid != -1 && tgid != my_pid()))
		return -LINUX_ESRCH;
	if (sig < 0 || sig > LINUX_NSIG)
		return -LINUX_EINVAL;
	if (sig)
		post(t, (int)sig);
	return 0;
}

void linux_thread_signal_process(int sig)
{
	uint64_t bit = 1ull << (sig - 1);
	struct thread *to = cur;
	if (linux_signal_blocked() & bit)
		for (int i = 0; i < nslots; i++) {
			struct thread *t = &threads[i];
			if (t != cur && (t->state == T_RUNNABLE || t->state == T_BLOCKED) &&
			    !(t->sig.blocked & bit)) {
				to = t;
				break;
			}
		}
	post(to, sig);
}

struct linux_siginfo_short {
	int32_t signo, errno_, code, pad;
	int32_t pid;
	uint32_t uid;
	uint8_t rest[104];
};

static bool cur_pending_in(uint64_t set)
{
	int sig = linux_signal_take_set(set);
	if (sig)
		linux_signal_raise(linux_cur_ctx, sig); /* put back: taken in the loop */
	return sig != 0;
}

/* rt_sigtimedwait(set, info, timeout, sigsetsize): Go and sigwait use it. */
SYS(sys_rt_sigtimedwait)
{
	UNUSED6;
	uint64_t set, deadline = 0;
	if (a4 != 8)
		return -LINUX_EINVAL;
	if (linux_copy_from_user(&set, (uint64_t)a1, sizeof(set)))
		return -LINUX_EFAULT;
	if (a3) {
		struct linux_timespec ts;
		if (linux_copy_from_user(&ts, (uint64_t)a3, sizeof(ts)))
			return -LINUX_EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -LINUX_EINVAL;
		deadline = linux_monotonic_ns() + (uint64_t)ts.tv_sec * 1000000000u +
		           (uint64_t)ts.tv_nsec;
		if (!deadline)
			deadline = 1;
	}
	for (;;) {
		int sig = linux_signal_take_set(set);
		if (sig) {
			struct linux_siginfo_short si = {.signo = sig, .code = LINUX_SI_TKILL};
			si.pid = (int32_t)my_pid();
			si.uid = linux_opts.uid;
			if (a2 && linux_copy_to_user((uint64_t)a2, &si, sizeof(si)))
				return -LINUX_EFAULT;
			return sig;
		}
		cur->woken = false;
		long r = linux_block(0, 0, deadline);
		if (r == -LINUX_ETIMEDOUT)
			return -LINUX_EAGAIN;
		if (r == -LINUX_EINTR && !(cur_pending_in(set)))
			return r; /* another signal, delivered on the way out */
	}
}

/* The calling thread's TLS base and clear-tid address: fork gives the child
 * the first, and CLONE_CHILD_CLEARTID sets the second. */
uint64_t linux_fs_base(void)
{
	return cur->fs_base;
}

void linux_set_tid_address(uint64_t a)
{
	cur->clear_tid = a;
}

void linux_thread_after_fork(void)
{
	for (int i = 0; i < nslots; i++)
		if (&threads[i] != cur && threads[i].state != T_FREE)
			threads[i].state = T_FREE;
	main_thread = cur;
	nlive = 1;
}

const struct linux_syscall_def linux_thread_syscalls[] = {
        LINUX_DEF(clone),       LINUX_DEF(clone3),          LINUX_DEF(exit),
        LINUX_DEF(gettid),      LINUX_DEF(set_tid_address), LINUX_DEF(arch_prctl),
        LINUX_DEF(sched_yield), LINUX_DEF(rt_sigtimedwait),
};
const size_t linux_thread_nsyscalls = ARRAY_LEN(linux_thread_syscalls);
