/* Time and waiting: nanosleep, clock_nanosleep, pause, setitimer/getitimer
 * and alarm.  Every sleep is linux_block (block.c): the process uses no CPU
 * while it waits, and a signal (a timer's own, another thread's tgkill)
 * interrupts it with EINTR as on Linux.
 *
 * The three interval timers count in ExOS: ITIMER_REAL on the monotonic
 * clock; ITIMER_VIRTUAL and ITIMER_PROF on the CPU time the kernel counts for
 * the environment (exo_env_info.cpu_ticks, one tick's resolution, user and
 * ExOS time alike).  A timer that fires raises its signal for the process
 * (thread.c picks the thread).  While a timer is armed ExOS asks for the
 * tick upcall (EXO_EV_TICK), so a program spinning in its own code still
 * gets the signal within a tick. */
#include <exos/env.h>
#include <exos/sys.h>

#include "fs.h"
#include "thread.h"
#include "vfs.h"

#define ITIMER_REAL    0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF    2
#define NS             1000000000ull

struct itimer {
	uint64_t at;       /* when it fires next, on its clock; 0: disarmed */
	uint64_t interval; /* ns; 0: once */
};

static struct itimer timers[3];
static const int timer_signal[3] = {LINUX_SIGALRM, 26 /* SIGVTALRM */, 27 /* SIGPROF */};

/* The CPU time of this environment, in ns. */
static uint64_t cpu_ns(void)
{
	return exos_env_info(exos_self_id())->cpu_ticks * exo_kinfo()->tick_ns;
}

static uint64_t clock_of(int which)
{
	return which == ITIMER_REAL ? linux_monotonic_ns() : cpu_ns();
}

/* timerfds: expirations counted on the monotonic clock (a realtime one is
 * converted when armed); a read takes the count and blocks while it is 0. */
#define NTIMERFD          16
#define TFD_TIMER_ABSTIME 1
#define TFD_CLOEXEC       LINUX_O_CLOEXEC
#define TFD_NONBLOCK      LINUX_O_NONBLOCK

static struct tfd {
	bool used;
	int clock;
	uint64_t at, interval; /* monotonic ns; at 0: disarmed */
	uint64_t expirations;  /* since the last read */
} tfds[NTIMERFD];

uint64_t linux_timer_next(void)
{
	/* A CPU-time timer cannot fire while the process sleeps. */
	uint64_t next = timers[ITIMER_REAL].at;
	for (int i = 0; i < NTIMERFD; i++)
		if (tfds[i].used && tfds[i].at && (!next || tfds[i].at < next))
			next = tfds[i].at;
	return next;
}

static void timerfd_poll(void)
{
	uint64_t now = 0;
	for (int i = 0; i < NTIMERFD; i++) {
		struct tfd *t = &tfds[i];
		if (!t->used || !t->at || t->at > (now ? now : (now = linux_monotonic_ns())))
			continue;
		uint64_t n = 1;
		if (t->interval) {
			n += (now - t->at) / t->interval;
			t->at += n * t->interval;
		} else {
			t->at = 0;
		}
		t->expirations += n;
		linux_io_seq++; /* a reader or poller looks again */
	}
}

void linux_timer_poll(void)
{
	timerfd_poll();
	for (int i = 0; i < 3; i++) {
		struct itimer *t = &timers[i];
		if (!t->at)
			continue;
		uint64_t now = clock_of(i);
		if (now < t->at)
			continue;
		/* Expiries missed meanwhile make one signal, as on Linux. */
		if (t->interval)
			t->at += ((now - t->at) / t->interval + 1) * t->interval;
		else
			t->at = 0;
		linux_thread_signal_process(timer_signal[i]);
	}
	if (!timers[0].at && !timers[1].at && !timers[2].at)
		linux_ticks_want(LINUX_TICKS_TIMER, false);
}

static uint64_t tv_ns(const struct linux_timeval *tv)
{
	return (uint64_t)tv->tv_sec * NS + (uint64_t)tv->tv_usec * 1000u;
}

static struct linux_timeval ns_tv(uint64_t ns)
{
	return (struct linux_timeval){(long)(ns / NS), (long)(ns % NS / 1000u)};
}

/* struct itimerval: the interval, then the time left. */
struct itimerval {
	struct linux_timeval interval, value;
};

static struct itimerval timer_get(int which)
{
	const struct itimer *t = &timers[which];
	uint64_t now = clock_of(which);
	uint64_t left = t->at > now ? t->at - now : t->at ? 1000 : 0;
	return (struct itimerval){ns_tv(t->interval), ns_tv(left)};
}

static void timer_set(int which, uint64_t value, uint64_t interval)
{
	timers[which].at = value ? clock_of(which) + value : 0;
	timers[which].interval = value ? interval : 0;
	if (value)
		linux_ticks_want(LINUX_TICKS_TIMER, true);
}

SYS(sys_getitimer)
{
	UNUSED6;
	if (a1 < 0 || a1 > 2)
		return -LINUX_EINVAL;
	struct itimerval v = timer_get((int)a1);
	return linux_copy_to_user((uint64_t)a2, &v, sizeof(v));
}

SYS(sys_setitimer)
{
	UNUSED6;
	struct itimerval v = {0}, old;
	if (a1 < 0 || a1 > 2)
		return -LINUX_EINVAL;
	if (a2 && linux_copy_from_user(&v, (uint64_t)a2, sizeof(v)))
		return -LINUX_EFAULT;
	if (v.value.tv_usec < 0 || v.value.tv_usec >= 1000000 || v.interval.tv_usec < 0 ||
	    v.interval.tv_usec >= 1000000 || v.value.tv_sec < 0 || v.interval.tv_sec < 0)
		return -LINUX_EINVAL;
	old = timer_get((int)a1);
	timer_set((int)a1, tv_ns(&v.value), tv_ns(&v.interval));
	if (a3 && linux_copy_to_user((uint64_t)a3, &old, sizeof(old)))
		return -LINUX_EFAULT;
	return 0;
}

SYS(sys_alarm)
{
	UNUSED6;
	struct itimerval old = timer_get(ITIMER_REAL);
	timer_set(ITIMER_REAL, (uint64_t)(unsigned)a1 * NS, 0);
	/* The seconds left, rounded to nearest, at least 1 if it was armed. */
	long left = old.value.tv_sec + (old.value.tv_usec >= 500000);
	return !left && (old.value.tv_sec || old.value.tv_usec) ? 1 : left;
}

SYS(sys_pause)
{
	UNUSED6;
	long r;
	while ((r = linux_block(0, 0, 0)) == 0)
		;
	return r == -LINUX_EINTR ? r : -LINUX_EINTR;
}

/* ---- sleeps ----------------------------------------------------------- */

static long read_timespec(long uaddr, uint64_t *ns)
{
	struct linux_timespec ts;
	if (linux_copy_from_user(&ts, (uint64_t)uaddr, sizeof(ts)))
		return -LINUX_EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -LINUX_EINVAL;
	*ns = (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
	return 0;
}

/* Sleeps until deadline (monotonic ns); on a signal, the time left goes to
 * rem (if not 0) and the result is -EINTR. */
static long sleep_until(uint64_t deadline, long rem)
{
	long r;
	while ((r = linux_block(0, 0, deadline ? deadline : 1)) == 0)
		;
	if (r != -LINUX_EINTR)
		return 0;
	if (rem) {
		uint64_t now = linux_monotonic_ns(), left = deadline > now ? deadline - now : 0;
		struct linux_timespec ts = {(long)(left / NS), (long)(left % NS)};
		if (linux_copy_to_user((uint64_t)rem, &ts, sizeof(ts)))
			return -LINUX_EFAULT;
	}
	return -LINUX_EINTR;
}

SYS(sys_nanosleep)
{
	UNUSED6;
	uint64_t ns;
	long r = read_timespec(a1, &ns);
	return r ? r : sleep_until(linux_monotonic_ns() + ns, a2);
}

SYS(sys_clock_nanosleep)
{
	UNUSED6;
	if (a1 < LINUX_CLOCK_REALTIME || a1 > LINUX_CLOCK_BOOTTIME)
		return -LINUX_EINVAL;
	if (a1 == LINUX_CLOCK_THREAD_CPUTIME_ID)
		return -LINUX_EINVAL;
	uint64_t ns;
	long r = read_timespec(a3, &ns);
	if (r)
		return r;
	if (!(a2 & 1)) /* relative */
		return sleep_until(linux_monotonic_ns() + ns, a4);
	/* TIMER_ABSTIME: the realtime clock is the monotonic one plus the epoch. */
	if (a1 == LINUX_CLOCK_REALTIME || a1 == LINUX_CLOCK_REALTIME_COARSE)
		ns = ns > exo_kinfo()->epoch_ns ? ns - exo_kinfo()->epoch_ns : 0;
	return sleep_until(ns, 0);
}

/* ---- timerfd ---------------------------------------------------------- */

struct itimerspec {
	struct linux_timespec interval, value;
};

static struct tfd *tfd_of(long fd, long *err)
{
	const struct ofile *of = getf(fd);
	*err = !of ? -LINUX_EBADF : of->kind != K_TIMERFD ? -LINUX_EINVAL : 0;
	return *err ? 0 : &tfds[of->stream];
}

short timerfd_events(const struct ofile *of, short events)
{
	timerfd_poll();
	return tfds[of->stream].expirations ? (short)(events & (LINUX_POLLIN | LINUX_POLLRDNORM))
	                                    : 0;
}

void timerfd_close(const struct ofile *of)
{
	tfds[of->stream].used = false;
}

static long take_expirations(void *arg)
{
	struct tfd *t = arg;
	timerfd_poll();
	return t->expirations ? 1 : 0;
}

long timerfd_read(struct ofile *of, uint64_t dst, size_t n, bool user)
{
	struct tfd *t = &tfds[of->stream];
	if (n < 8)
		return -LINUX_EINVAL;
	if (!mem_ok(dst, 8, true, user))
		return -LINUX_EFAULT;
	if (!take_expirations(t)) {
		if (of->flags & LINUX_O_NONBLOCK)
			return -LINUX_EAGAIN;
		long r = linux_wait_io(take_expirations, t, -1);
		if (r < 0)
			return r;
	}
	*(uint64_t *)dst = t->expirations;
	t->expirations = 0;
	return 8;
}

static bool timer_clock_ok(long clock)
{
	return clock == LINUX_CLOCK_REALTIME || clock == LINUX_CLOCK_MONOTONIC ||
	       clock == LINUX_CLOCK_BOOTTIME || clock == 8 /* REALTIME_ALARM */ ||
	       clock == 9 /* BOOTTIME_ALARM */;
}

SYS(sys_timerfd_create)
{
	UNUSED6;
	if (!timer_clock_ok(a1) || (a2 & ~(long)(TFD_CLOEXEC | TFD_NONBLOCK)))
		return -LINUX_EINVAL;
	int i = 0;
	while (i < NTIMERFD && tfds[i].used)
		i++;
	if (i == NTIMERFD)
		return -LINUX_ENFILE;
	struct ofile *of = of_alloc(K_TIMERFD, -1, LINUX_O_RDONLY | (uint32_t)(a2 & TFD_NONBLOCK));
	if (!of)
		return -LINUX_ENFILE;
	tfds[i] = (struct tfd){.used = true, .clock = (int)a1};
	of->stream = (uint8_t)i;
	return fd_new(of, a2 & TFD_CLOEXEC); /* its failure closes it again */
}

static struct itimerspec tfd_get(const struct tfd *t)
{
	uint64_t now = linux_monotonic_ns(), left = t->at > now ? t->at - now : t->at ? 1 : 0;
	return (struct itimerspec){{(long)(t->interval / NS), (long)(t->interval % NS)},
	                           {(long)(left / NS), (long)(left % NS)}};
}

static bool ts_ok(const struct linux_timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (long)NS;
}

SYS(sys_timerfd_settime)
{
	UNUSED6;
	long err;
	struct tfd *t = tfd_of(a1, &err);
	struct itimerspec v, old;
	if (!t)
		return err;
	if (a2 & ~3l) /* TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET */
		return -LINUX_EINVAL;
	if (linux_copy_from_user(&v, (uint64_t)a3, sizeof(v)))
		return -LINUX_EFAULT;
	if (!ts_ok(&v.value) || !ts_ok(&v.interval))
		return -LINUX_EINVAL;
	timerfd_poll();
	old = tfd_get(t);
	uint64_t value = (uint64_t)v.value.tv_sec * NS + (uint64_t)v.value.tv_nsec;
	uint64_t at = 0;
	if (value && (a2 & TFD_TIMER_ABSTIME)) {
		if (t->clock != LINUX_CLOCK_MONOTONIC && t->clock != LINUX_CLOCK_BOOTTIME)
			value = value > exo_kinfo()->epoch_ns ? value - exo_kinfo()->epoch_ns : 0;
		at = value ? value : 1; /* in the past: due at once */
	} else if (value) {
		at = linux_monotonic_ns() + value;
	}
	t->at = at;
	t->interval = at ? (uint64_t)v.interval.tv_sec * NS + (uint64_t)v.interval.tv_nsec : 0;
	t->expirations = 0;
	if (a4 && linux_copy_to_user((uint64_t)a4, &old, sizeof(old)))
		return -LINUX_EFAULT;
	return 0;
}

SYS(sys_timerfd_gettime)
{
	UNUSED6;
	long err;
	struct tfd *t = tfd_of(a1, &err);
	if (!t)
		return err;
	timerfd_poll();
	struct itimerspec v = tfd_get(t);
	return linux_copy_to_user((uint64_t)a2, &v, sizeof(v));
}

const struct linux_syscall_def linux_timer_syscalls[] = {
        LINUX_DEF(getitimer),      LINUX_DEF(setitimer),       LINUX_DEF(alarm),
        LINUX_DEF(pause),          LINUX_DEF(nanosleep),       LINUX_DEF(clock_nanosleep),
        LINUX_DEF(timerfd_create), LINUX_DEF(timerfd_settime), LINUX_DEF(timerfd_gettime),
};
const size_t linux_timer_nsyscalls = ARRAY_LEN(linux_timer_syscalls);
