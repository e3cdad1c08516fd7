/* The process: identity, time, exit, limits, randomness and the small calls
 * a libc makes at start-up.  Identity and time never enter the kernel: the
 * ids are ExOS's, the clocks come from the TSC and the kernel's exported
 * calibration (struct exo_kinfo). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <exos/sched.h>
#include <exos/vm.h>

#include "linux.h"
#include "proc.h"
#include "shm.h"

#define PID linux_proc_getpid()

/* status: the machine's if we are the first process; wstatus: our parent's. */
_Noreturn static void exit_with(int status, int wstatus)
{
	if (linux_opts.trace) {
		linux_sites_trace();
		char line[128];
		int n = snprintf(
		        line, sizeof(line),
		        "[exos] exit %d: %lu calls trapped, %lu direct; %lu sites trapped, "
		        "%lu rewritten\n",
		        status, linux_syscalls_trapped, linux_syscalls_direct, linux_sites_seen,
		        linux_sites_rewritten);
		exo_console_write(EXO_STDERR, line, (size_t)n);
		n = snprintf(
		        line, sizeof(line),
		        "[exos] image: %lu pages in place, %lu fresh; %lu copy-on-write faults\n",
		        linux_image_in_place, linux_image_fresh, (uint64_t)exos_vm_cow_faults);
		exo_console_write(EXO_STDERR, line, (size_t)n);
	}
	/* Linux's order: the files close (a pipe's reader sees EOF), then the
	 * parent hears of it. */
	linux_fd_close_all();
	linux_shm_drop_all();
	linux_proc_exit(wstatus);
	linux_proc_end_others();
	exo_exit_status(status | EXO_EXIT_VERBATIM);
	exo_exit(1); /* not reached: the kernel takes any status 0..255 verbatim */
}

_Noreturn void linux_exit(int status)
{
	exit_with(status, (status & 0xff) << 8);
}

_Noreturn void linux_exit_signaled(int sig)
{
	exit_with(128 + sig, sig);
}

_Noreturn void linux_refuse(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(NULL);
	/* status is one of exosim's own (EXOSIM_EXIT_*): ExOS reports the failure
	 * for exosim, so the kernel must not refuse it as reserved. */
	exo_exit(status | EXO_EXIT_VERBATIM);
}

SYS(sys_exit)
{
	UNUSED6;
	linux_exit((int)(a1 & 0xff));
}

/* ---- time ------------------------------------------------------------- */

uint64_t linux_monotonic_ns(void)
{
	const volatile struct exo_kinfo *k = exo_kinfo();
	uint64_t khz = k->tsc_khz ? k->tsc_khz : 1000000;
	uint64_t t = exo_rdtsc() - k->tsc_boot; /* ticks * 1e6 / khz, without overflow */
	return t / khz * 1000000u + t % khz * 1000000u / khz;
}

uint64_t linux_realtime_ns(void)
{
	return exo_kinfo()->epoch_ns + linux_monotonic_ns();
}

static uint64_t clock_ns(long clock)
{
	switch (clock) {
	case LINUX_CLOCK_REALTIME:
	case LINUX_CLOCK_REALTIME_COARSE:
		return linux_realtime_ns();
	default:
		return linux_monotonic_ns();
	}
}

static bool clock_valid(long clock)
{
	return clock >= LINUX_CLOCK_REALTIME && clock <= LINUX_CLOCK_BOOTTIME;
}

SYS(sys_clock_gettime)
{
	UNUSED6;
	if (!clock_valid(a1))
		return -LINUX_EINVAL;
	uint64_t ns = clock_ns(a1);
	struct linux_timespec ts = {(long)(ns / 1000000000u), (long)(ns % 1000000000u)};
	return linux_copy_to_user((uint64_t)a2, &ts, sizeof(ts));
}

SYS(sys_clock_getres)
{
	UNUSED6;
	if (!clock_valid(a1))
		return -LINUX_EINVAL;
	struct linux_timespec ts = {0, 1};
	return a2 ? linux_copy_to_user((uint64_t)a2, &ts, sizeof(ts)) : 0;
}

SYS(sys_gettimeofday)
{
	UNUSED6;
	uint64_t ns = linux_realtime_ns();
	struct linux_timeval tv = {(long)(ns / 1000000000u), (long)(ns % 1000000000u / 1000u)};
	if (a1 && linux_copy_to_user((uint64_t)a1, &tv, sizeof(tv)))
		return -LINUX_EFAULT;
	if (a2) {
		int tz[2] = {0, 0};
		return linux_copy_to_user((uint64_t)a2, tz, sizeof(tz));
	}
	return 0;
}

SYS(sys_time)
{
	UNUSED6;
	long t = (long)(linux_realtime_ns() / 1000000000u);
	if (a1 && linux_copy_to_user((uint64_t)a1, &t, sizeof(t)))
		return -LINUX_EFAULT;
	return t;
}

/* ---- identity --------------------------------------------------------- */

long linux_pid(void)
{
	return linux_proc_getpid();
}

long linux_ppid(void)
{
	struct proc *self = linux_proc_self();
	return self ? self->ppid : PROC_INIT_PID;
}

SYS(sys_getuid)
{
	UNUSED6;
	return linux_opts.uid;
}

SYS(sys_getgid)
{
	UNUSED6;
	return linux_opts.gid;
}

SYS(sys_set_id)
{
	UNUSED6;
	return 0; /* setuid and friends: one user, nothing to change */
}

/* getgroups(size, list): exosim's own supplementary groups. */
SYS(sys_getgroups)
{
	UNUSED6;
	uint32_t n = linux_opts.ngroups;
	if (a1 == 0)
		return n;
	if (a1 < 0 || (uint64_t)a1 < n)
		return -LINUX_EINVAL;
	return linux_copy_to_user((uint64_t)a2, linux_opts.groups, n * sizeof(uint32_t)) < 0
	               ? -LINUX_EFAULT
	               : (long)n;
}

struct linux_utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

SYS(sys_uname)
{
	UNUSED6;
	static const struct linux_utsname u = {"Linux",       "exosim", "6.1.0-exosim",
	                                       "#1 SMP ExOS", "x86_64", "(none)"};
	return linux_copy_to_user((uint64_t)a1, &u, sizeof(u));
}

SYS(sys_zero)
{
	UNUSED6;
	return 0; /* set_robust_list, and calls whose success changes nothing here */
}

SYS(sys_sched_getaffinity)
{
	UNUSED6;
	if (a2 < 8)
		return -LINUX_EINVAL;
	uint64_t mask = 1; /* one CPU */
	return linux_copy_to_user((uint64_t)a3, &mask, sizeof(mask)) ? -LINUX_EFAULT : 8;
}

/* ---- limits and accounting -------------------------------------------- */

struct linux_rlimit {
	uint64_t cur, max;
};

#define RLIM_INFINITY (~0ul)

static struct linux_rlimit limit_of(long resource)
{
	switch (resource) {
	case 3: /* RLIMIT_STACK */
		return (struct linux_rlimit){LINUX_STACK_MAX, LINUX_STACK_MAX};
	case 7: /* RLIMIT_NOFILE */
		return (struct linux_rlimit){1024, 1024};
	case 6: /* RLIMIT_NPROC */
		return (struct linux_rlimit){1, 1};
	default:
		return (struct linux_rlimit){RLIM_INFINITY, RLIM_INFINITY};
	}
}

SYS(sys_prlimit64)
{
	UNUSED6;
	if (a1 != 0 && a1 != PID)
		return -LINUX_ESRCH;
	if (a2 < 0 || a2 > 15)
		return -LINUX_EINVAL;
	struct linux_rlimit l = limit_of(a2);
	if (a4 && linux_copy_to_user((uint64_t)a4, &l, sizeof(l)))
		return -LINUX_EFAULT;
	return 0; /* new limits are accepted and not enforced */
}

SYS(sys_getrlimit)
{
	UNUSED6;
	if (a1 < 0 || a1 > 15)
		return -LINUX_EINVAL;
	struct linux_rlimit l = limit_of(a1);
	return linux_copy_to_user((uint64_t)a2, &l, sizeof(l));
}

SYS(sys_getrusage)
{
	UNUSED6;
	uint64_t ns = linux_monotonic_ns();
	long ru[18] = {(long)(ns / 1000000000u), (long)(ns % 1000000000u / 1000u)};
	return linux_copy_to_user((uint64_t)a2, ru, sizeof(ru));
}

SYS(sys_times)
{
	UNUSED6;
	long ticks = (long)(linux_monotonic_ns() / 10000000u); /* AT_CLKTCK 100 */
	long t[4] = {ticks, 0, 0, 0};
	if (a1 && linux_copy_to_user((uint64_t)a1, t, sizeof(t)))
		return -LINUX_EFAULT;
	return ticks;
}

SYS(sys_sysinfo)
{
	UNUSED6;
	const volatile struct exo_kinfo *k = exo_kinfo();
	struct {
		long uptime;
		unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap,
		        freeswap;
		unsigned short procs, pad;
		unsigned long totalhigh, freehigh;
		unsigned int mem_unit;
		char reserved[4];
	} si = {.uptime = (long)(linux_monotonic_ns() / 1000000000u),
	        .totalram = k->ram_pages * EXO_PAGE_SIZE,
	        .freeram = k->free_pages * EXO_PAGE_SIZE,
	        .procs = 1,
	        .mem_unit = 1};
	return linux_copy_to_user((uint64_t)a1, &si, sizeof(si));
}

/* ---- randomness ------------------------------------------------------- */

static bool have_rdrand(void)
{
	uint32_t a = 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c & (1u << 30);
}

/* rdrand where the CPU has it, else splitmix64 over the TSC: not a CSPRNG,
 * but never the same twice. */
static uint64_t random_word(void)
{
	static int rdrand = -1;
	static uint64_t state;
	if (rdrand < 0)
		rdrand = have_rdrand();
	if (rdrand) {
		uint64_t v;
		for (int tries = 0; tries < 10; tries++) {
			unsigned char ok;
			__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
			if (ok)
				return v;
		}
	}
	uint64_t z = (state += 0x9e3779b97f4a7c15ull ^ exo_rdtsc());
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

SYS(sys_getrandom)
{
	UNUSED6;
	if (a3 & ~7l)
		return -LINUX_EINVAL;
	size_t n = (size_t)a2 < (1u << 25) ? (size_t)a2 : (1u << 25);
	if (!linux_user_ok((uint64_t)a1, n, true))
		return -LINUX_EFAULT;
	uint8_t *p = (uint8_t *)a1;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = random_word();
		memcpy(p + i, &w, n - i < 8 ? n - i : 8);
	}
	return (long)n;
}

const struct linux_syscall_def linux_process_syscalls[] = {
        {LINUX_SYS_exit_group, "exit_group", sys_exit},
        {LINUX_SYS_clock_gettime, "clock_gettime", sys_clock_gettime},
        {LINUX_SYS_clock_getres, "clock_getres", sys_clock_getres},
        {LINUX_SYS_gettimeofday, "gettimeofday", sys_gettimeofday},
        {LINUX_SYS_time, "time", sys_time},
        {LINUX_SYS_getuid, "getuid", sys_getuid},
        {LINUX_SYS_geteuid, "geteuid", sys_getuid},
        {LINUX_SYS_getgid, "getgid", sys_getgid},
        {LINUX_SYS_getegid, "getegid", sys_getgid},
        {LINUX_SYS_setuid, "setuid", sys_set_id},
        {LINUX_SYS_setgid, "setgid", sys_set_id},
        {LINUX_SYS_getgroups, "getgroups", sys_getgroups},
        {LINUX_SYS_uname, "uname", sys_uname},
        {LINUX_SYS_set_robust_list, "set_robust_list", sys_zero},
        {LINUX_SYS_sched_getaffinity, "sched_getaffinity", sys_sched_getaffinity},
        {LINUX_SYS_prlimit64, "prlimit64", sys_prlimit64},
        {LINUX_SYS_getrlimit, "getrlimit", sys_getrlimit},
        {LINUX_SYS_setrlimit, "setrlimit", sys_zero},
        {LINUX_SYS_getrusage, "getrusage", sys_getrusage},
        {LINUX_SYS_times, "times", sys_times},
        {LINUX_SYS_sysinfo, "sysinfo", sys_sysinfo},
        {LINUX_SYS_getrandom, "getrandom", sys_getrandom},
};
const size_t linux_process_nsyscalls = ARRAY_LEN(linux_process_syscalls);
