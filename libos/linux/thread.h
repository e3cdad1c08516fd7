/* Threads, blocking and time: the interfaces between block.c, thread.c,
 * futex.c, timer.c, epoll.c and eventfd.c, and the hooks the rest of ExOS
 * calls.  Threads are ExOS's own (M:1, docs/libos.md "Threads"): one
 * environment per process, switched in ring 3. */
#ifndef EXOS_LINUX_THREAD_H
#define EXOS_LINUX_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/pred.h>

#include "linux.h"

/* Calls and numbers abi.h does not name yet. */
#define LINUX_ETIMEDOUT 110

#define LINUX_SYS_getitimer         36
#define LINUX_SYS_pselect6          270
#define LINUX_SYS_epoll_create      213
#define LINUX_SYS_epoll_wait        232
#define LINUX_SYS_epoll_ctl         233
#define LINUX_SYS_epoll_pwait       281
#define LINUX_SYS_epoll_create1     291
#define LINUX_SYS_epoll_pwait2      441
#define LINUX_SYS_eventfd           284
#define LINUX_SYS_eventfd2          290
#define LINUX_SYS_timerfd_create    283
#define LINUX_SYS_timerfd_settime   286
#define LINUX_SYS_timerfd_gettime   287
#define LINUX_SYS_sched_setaffinity 203
#define LINUX_SYS_clone3            435

/* ---- block.c ---------------------------------------------------------- */

/* Sleeps until the predicate terms[0..n) holds (a sum of products, as for
 * EXO_SYS_WAIT; n may be 0: only a wake, a signal or the deadline ends it),
 * a signal is pending for the calling thread and not blocked, or the
 * deadline passes (linux_monotonic_ns() time; 0: none).  Returns 0 (woken:
 * the caller re-checks its condition, which may not hold), -LINUX_EINTR or
 * -LINUX_ETIMEDOUT.  With other threads runnable the caller parks and they
 * run; the process waits in the kernel only when every thread is blocked. */
long linux_block(struct exo_pred_term *terms, int n, uint64_t deadline_ns);

/* A term: the 64-bit word at addr `op` value. */
struct exo_pred_term linux_pred_word(const volatile void *addr, int op, uint64_t value);

/* Whether a predicate holds now, evaluated in ring 3 (its memory operands
 * are our own words). */
bool linux_pred_holds(const struct exo_pred_term *t, int n);

/* The kernel wait for the whole process: the predicate plus the deadline
 * (0: none).  Only thread.c and linux_block call it. */
void linux_block_kernel(const struct exo_pred_term *t, int n, uint64_t deadline_ns);

/* Directed wake-ups (EXO_SYS_WAIT_FOR): the waker of a sleeping process
 * names it (its environment id, written down by the sleeper beside what it
 * sleeps on), and this process's next kernel wait hands it the CPU.  A hint
 * only picks whom the kernel looks at first: a stale one costs nothing. */
void linux_handoff_to(uint32_t env_id);
/* The sleeper's side: the id a waker should name, this process's. */
uint32_t linux_handoff_self(void);

/* ---- thread.c --------------------------------------------------------- */

/* Per-thread signal state, swapped in and out of signal.c at a switch. */
struct linux_sigstate {
	uint64_t blocked, pending;
	uint64_t ss_sp;
	int32_t ss_flags, ss_pad;
	uint64_t ss_size;
	uint64_t suspend_saved; /* the mask a handler's frame restores (rt_sigsuspend, ppoll...) */
	uint32_t suspended, suspend_pad;
};

/* Before anything else at start-up: the main thread (threads[0]) is runnable on
 * ExOS's own stack. */
void linux_thread_boot(void);

/* More than one thread is alive. */
bool linux_threads_many(void);
/* Parks the current thread on terms/deadline and runs others; see
 * linux_block.  Returns as linux_block does. */
long linux_thread_park(struct exo_pred_term *terms, int n, uint64_t deadline_ns);
/* Makes thread t (a handle from linux_thread_self) runnable if it is parked:
 * its linux_block returns 0. */
void linux_thread_wake(void *t);
void *linux_thread_self(void);
/* A safe point on the way out of ExOS: switch if the tick asked for it. */
void linux_thread_exit_point(void);
/* The tick upcall (or an epilogue): note that the running thread's time is
 * up.  Returns true if the switch may happen now, from program code c. */
extern volatile bool linux_need_resched;
/* Switches away from a thread interrupted in program code (ctx c, on its
 * own ExOS stack), delivers what is pending, and returns to resume it. */
void linux_thread_preempted(struct linux_ctx *c);
/* The ExOS stack of the running thread (entry.S, syscall.c). */
extern uint64_t linux_exos_stack_lo, linux_exos_stack_top;
/* Sends sig to thread tid of this process; -LINUX_ESRCH if it is not one of
 * ours (tgid: the process it must belong to, or -1). */
long linux_thread_kill(long tgid, long tid, long sig);
/* After fork, in the child: only the calling thread lives, as the main one. */
void linux_thread_after_fork(void);
/* A signal for the process (a timer's): to the running thread unless it
 * blocks it and another does not, as Linux picks. */
void linux_thread_signal_process(int sig);
/* Who wants the tick upcall (EXO_EV_TICK): it stays registered while any
 * reason holds. */
enum { LINUX_TICKS_THREADS = 1, LINUX_TICKS_TIMER = 2, LINUX_TICKS_SIGNAL = 4 };
void linux_ticks_want(unsigned reason, bool on);

/* ---- signal.c (the per-thread side) ---------------------------------- */

/* A signal is pending for the running thread, not blocked, and not one
 * whose action is to ignore it. */
bool linux_signal_pending(void);
/* Whether a set of pending signals has one that would be acted on. */
bool linux_signal_wanted(uint64_t set);
/* Saves the running thread's mask, pending set and altstack to out and
 * loads in's. */
void linux_signal_swap(struct linux_sigstate *out, const struct linux_sigstate *in);
/* Makes sig pending for the running thread itself (thread-directed). */
void linux_signal_post_self(int sig);
/* The running thread's signal mask. */
uint64_t linux_signal_blocked(void);
/* Takes sig (if pending and in set) out of the running thread's pending set:
 * rt_sigtimedwait.  Returns the signal or 0. */
int linux_signal_take_set(uint64_t set);

/* ---- timer.c ---------------------------------------------------------- */

/* The earliest time a timer of the process (interval timers, timerfds)
 * fires, on the monotonic clock (0: none). */
uint64_t linux_timer_next(void);
/* Raises the signals of the timers that are due. */
void linux_timer_poll(void);

/* ---- poll.c, eventfd.c, epoll.c --------------------------------------- */

struct ofile;
/* Bumped on the way out of every call: a waiter on I/O looks again. */
extern volatile uint64_t linux_io_seq;
/* poll's events (LINUX_POLL*) of descriptor fd now; POLLNVAL if not open. */
short linux_fd_events(long fd, short events);
/* scan(arg) until it returns nonzero (a count or -LINUX_E*), sleeping
 * between looks; timeout_ns < 0: none, 0: one look.  -LINUX_EINTR on a
 * signal; after the timeout, the last look's result. */
long linux_wait_io(long (*scan)(void *), void *arg, int64_t timeout_ns);
short eventfd_events(const struct ofile *of, short events);
long eventfd_read(struct ofile *of, uint64_t dst, size_t n, bool user);
long eventfd_write(struct ofile *of, uint64_t src, size_t n, bool user);
void eventfd_close(const struct ofile *of);
short epoll_events(const struct ofile *of, short events);
short timerfd_events(const struct ofile *of, short events);
long timerfd_read(struct ofile *of, uint64_t dst, size_t n, bool user);
void timerfd_close(const struct ofile *of);
void epoll_close(const struct ofile *of);
/* The last reference to an eventfd's or epoll's description went. */
void linux_waitfd_close(const struct ofile *of);
/* Sets the running thread's signal mask (ppoll, pselect6, epoll_pwait);
 * returns the old one. */
uint64_t linux_signal_setmask(uint64_t mask);
/* ppoll, pselect6, epoll_pwait: the call that set a temporary mask in place
 * of old ends with result.  Interrupted (-EINTR), the handler runs with the
 * temporary mask still in force and its frame restores old, as for
 * rt_sigsuspend (Linux); otherwise old is back at once. */
void linux_signal_mask_end(uint64_t old, long result);

/* ---- futex.c ---------------------------------------------------------- */

/* Wakes up to n waiters on the futex word at uaddr (CLONE_CHILD_CLEARTID). */
long linux_futex_wake(uint64_t uaddr, int n, uint32_t bitset);

/* ---- syscall.c -------------------------------------------------------- */

/* The handler a later table replaced for nr (thread.c passes clones that are
 * not threads on to it), or 0. */
linux_sysfn linux_syscall_prev(long nr);
linux_sysfn linux_syscall_fn(long nr);

/* Each module's table. */
extern const struct linux_syscall_def linux_thread_syscalls[];
extern const size_t linux_thread_nsyscalls;
extern const struct linux_syscall_def linux_timer_syscalls[];
extern const size_t linux_timer_nsyscalls;
extern const struct linux_syscall_def linux_futex_syscalls[];
extern const size_t linux_futex_nsyscalls;
extern const struct linux_syscall_def linux_epoll_syscalls[];
extern const size_t linux_epoll_nsyscalls;
extern const struct linux_syscall_def linux_eventfd_syscalls[];
extern const size_t linux_eventfd_nsyscalls;

#endif
