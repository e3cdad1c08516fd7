/* The process table (in the shared region, shared.c): pids, parents, process
 * groups and sessions, exit statuses and zombies, wait4/waitid, and signals
 * between processes (D5: the sender sets the bit in the target's entry and
 * bumps its sequence word, which wakes it from linux_block).
 *
 * Before the region exists (a program that has not forked) we are the only
 * process: pid PROC_FIRST_PID, parent PROC_INIT_PID, no table. */
#include <string.h>

#include <exos/sched.h>
#include <exos/sys.h>

#include "cpio.h"
#include "proc.h"
#include "thread.h"
#include "vfs.h"
#include "unix_status.h"

#define WNOHANG       1
#define WUNTRACED     2
#define WSTOPPED      2
#define WEXITED       4
#define WCONTINUED    8
#define WNOWAIT       0x01000000
#define WNOEXIT       0x10000000 /* ours, inside: waitid without WEXITED */
#define WALL          0x40000000
#define WCLONE        0x80000000
#define P_ALL         0
#define P_PID         1
#define P_PGID        2
#define P_PIDFD       3
#define CLD_EXITED    1
#define CLD_KILLED    2
#define CLD_STOPPED   5
#define CLD_CONTINUED 6

#define SIGBIT(sig)    (1ul << ((sig)-1))
#define STOP_SIGNALS   (SIGBIT(19) | SIGBIT(20) | SIGBIT(21) | SIGBIT(22)) /* STOP TSTP TTIN TTOU */
#define REPORT_CONT    0xffff /* wait4's status for a continued child */
#define REPORT_STOP(s) (0x7f | (s) << 8)

static struct proc *self;

struct proc *linux_proc_self(void)
{
	return self;
}

void linux_proc_set_self(struct proc *p)
{
	self = p;
}

/* What /proc shows of us, kept here too: the region may come after an
 * exec (the first process makes it at its first fork or pipe). */
static char my_comm[16], my_cmdline[PROC_CMDLINE];
static uint32_t my_cmdline_len;
static bool my_cmdline_set;

static void publish_cmdline(void)
{
	if (!self)
		return;
	memcpy(self->comm, my_comm, sizeof(my_comm));
	memcpy(self->cmdline, my_cmdline, my_cmdline_len);
	self->cmdline_len = my_cmdline_len;
}

/* comm is the file's base name, cut at 15 bytes as Linux cuts it. */
void linux_proc_set_cmdline(const char *path, const char *args, size_t len)
{
	const char *base = path;
	for (const char *c = path; *c; c++)
		if (*c == '/')
			base = c + 1;
	size_t n = strlen(base);
	if (n > sizeof(my_comm) - 1)
		n = sizeof(my_comm) - 1;
	memcpy(my_comm, base, n);
	my_comm[n] = 0;
	my_cmdline_len = (uint32_t)(len < PROC_CMDLINE ? len : PROC_CMDLINE);
	memcpy(my_cmdline, args, my_cmdline_len);
	my_cmdline_set = true;
	publish_cmdline();
}

/* The first program's, until it execs: exosim/argv in the initramfs. */
static void initial_cmdline(void)
{
	struct cpio_entry e;
	const struct exo_kinfo *k = exo_kinfo();
	if (my_cmdline_set)
		return;
	if (k->initrd_size &&
	    cpio_find((const void *)EXO_INITRD, k->initrd_size, "exosim/argv", &e) == CPIO_OK)
		linux_proc_set_cmdline(linux_opts.program, (const char *)e.data, e.size);
	else
		linux_proc_set_cmdline(linux_opts.program, "", 0);
}

void linux_proc_first(struct shared_hdr *sh)
{
	struct proc *p = &sh->procs[0];
	p->pid = p->pgid = p->sid = PROC_FIRST_PID;
	p->ppid = PROC_INIT_PID;
	p->env_id = exos_self_id();
	p->env1_cap = EXO_CAP_SELF;
	p->state = PROC_RUN;
	p->nocldstop = linux_signal_nocldstop();
	self = p;
	initial_cmdline();
	publish_cmdline();
	/* From now on other processes may signal us: take their signals at each
	 * slice that follows a preemption too (D5), not only at our next call,
	 * so a program spinning in its own code gets them within a slice.  The
	 * children inherit the registration. */
	unsigned events = exos_env_info(exos_self_id())->events;
	exos_set_upcall_events(events | EXO_EV_RESUME);
}

void linux_proc_nocldstop(bool on)
{
	if (self)
		self->nocldstop = on;
}

struct proc *linux_proc_alloc(void)
{
	struct shared_hdr *sh = linux_shared();
	struct proc *found = NULL;
	if (!sh)
		return NULL;
	linux_shared_lock();
	for (int i = 0; i < PROC_MAX && !found; i++)
		if (sh->procs[i].state == PROC_FREE) {
			found = &sh->procs[i];
			memset(found, 0, offsetof(struct proc, ctx));
			found->state = PROC_EMBRYO;
			if (self) { /* a fork: the child runs our program until it execs */
				memcpy(found->comm, self->comm, sizeof(found->comm));
				memcpy(found->cmdline, self->cmdline, self->cmdline_len);
				found->cmdline_len = self->cmdline_len;
				found->nocldstop = self->nocldstop;
			}
			/* Linux's pids wrap at pid_max; ours at 2^22 too, skipping live ones. */
			do {
				found->pid = sh->next_pid++;
				if (sh->next_pid >= (1u << 22))
					sh->next_pid = PROC_FIRST_PID + 1;
			} while (linux_proc_by_pid(found->pid) != found);
		}
	linux_shared_unlock();
	return found;
}

void linux_proc_free(struct proc *p)
{
	proc_forget(p->pid); /* its /proc/<pid> goes with it */
	p->state = PROC_FREE;
	p->pid = 0;
}

struct proc *linux_proc_by_pid(uint32_t pid)
{
	struct shared_hdr *sh = linux_shared();
	if (!sh)
		return NULL;
	for (int i = 0; i < PROC_MAX; i++)
		if (sh->procs[i].state != PROC_FREE && sh->procs[i].pid == pid)
			return &sh->procs[i];
	return NULL;
}

long linux_proc_getpid(void)
{
	return self ? self->pid : PROC_FIRST_PID;
}

static uint32_t getppid_now(void)
{
	return self ? self->ppid : PROC_INIT_PID;
}

/* Linux's rule at sending: a stop signal discards a pending SIGCONT, and
 * SIGCONT discards pending stop signals (and continues a stopped process:
 * linux_proc_stop sees it). */
void linux_proc_signal(struct proc *p, int sig)
{
	if (SIGBIT(sig) & STOP_SIGNALS)
		__atomic_and_fetch(&p->sigpending, ~SIGBIT(LINUX_SIGCONT), __ATOMIC_SEQ_CST);
	else if (sig == LINUX_SIGCONT)
		__atomic_and_fetch(&p->sigpending, ~STOP_SIGNALS, __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&p->sigpending, SIGBIT(sig), __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&p->sigseq, 1, __ATOMIC_SEQ_CST);
}

/* Our parent hears of a stop or a continue: wait4 sees the report, and
 * SIGCHLD comes unless its action says SA_NOCLDSTOP. */
static void report_to_parent(int32_t report)
{
	struct proc *parent = linux_proc_by_pid(self->ppid);
	self->report = report;
	if (!parent || parent->state != PROC_RUN)
		return;
	if (parent->nocldstop)
		__atomic_add_fetch(&parent->sigseq, 1, __ATOMIC_SEQ_CST); /* a waiter looks */
	else
		linux_proc_signal(parent, LINUX_SIGCHLD);
}

void linux_proc_stop(int sig)
{
	if (!self)
		return; /* alone: nobody could ever continue us (Linux would hang) */
	self->stopped = (uint32_t)sig;
	report_to_parent(REPORT_STOP(sig));
	/* The whole process sleeps in the kernel: its threads too (M:1). */
	const uint64_t wake = SIGBIT(LINUX_SIGKILL) | SIGBIT(LINUX_SIGCONT);
	for (;;) {
		uint64_t seq = self->sigseq;
		if (self->sigpending & wake)
			break;
		struct exo_pred_term t = {.op = EXO_PRED_NE,
		                          .lhs_kind = EXO_OPND_MEM,
		                          .rhs_kind = EXO_OPND_CONST,
		                          .lhs = (uint64_t)&self->sigseq,
		                          .rhs = seq};
		exo_wait(&t, 1);
	}
	self->stopped = 0;
	if (self->sigpending & SIGBIT(LINUX_SIGCONT))
		report_to_parent(REPORT_CONT);
}

/* ---- orphaned process groups (POSIX; Linux's kill_orphaned_pgrp) ----
 * A group is orphaned when no member has a parent in another group of its
 * session.  When a process's end orphans a group that has a stopped member,
 * every member gets SIGHUP, then SIGCONT: nobody is left to continue them.
 * All with the lock held. */

static bool pgrp_orphaned(uint32_t pgid, const struct proc *ignore)
{
	struct shared_hdr *sh = linux_shared();
	for (int i = 0; i < PROC_MAX; i++) {
		const struct proc *p = &sh->procs[i];
		if (p->state != PROC_RUN || p == ignore || p->pgid != pgid)
			continue;
		const struct proc *parent = linux_proc_by_pid(p->ppid); /* init: outside */
		if (parent && parent != ignore && parent->state == PROC_RUN &&
		    parent->pgid != pgid && parent->sid == p->sid)
			return false;
	}
	return true;
}

/* link, in another group of the session, was what kept group pgid (of
 * session sid) from being orphaned, unless someone else does. */
static void hup_if_orphaned(uint32_t pgid, uint32_t sid, const struct proc *link,
                            const struct proc *ignore)
{
	struct shared_hdr *sh = linux_shared();
	bool stopped = false;
	if (link->pgid == pgid || link->sid != sid || !pgrp_orphaned(pgid, ignore))
		return;
	for (int i = 0; i < PROC_MAX; i++)
		stopped |= sh->procs[i].state == PROC_RUN && sh->procs[i].pgid == pgid &&
		           sh->procs[i].stopped;
	for (int i = 0; stopped && i < PROC_MAX; i++)
		if (sh->procs[i].state == PROC_RUN && sh->procs[i].pgid == pgid) {
			linux_proc_signal(&sh->procs[i], LINUX_SIGHUP);
			linux_proc_signal(&sh->procs[i], LINUX_SIGCONT);
		}
}

/* p is ending.  Its children are orphans: they go to init, outside ExOS's
 * world, which reaps them as Linux's init would.  Then the groups that this
 * orphans: p's own (p linked it to its parent's group) and each child's. */
static void orphan_on_exit(const struct proc *p)
{
	struct shared_hdr *sh = linux_shared();
	struct {
		uint32_t pgid, sid;
	} groups[PROC_MAX];
	int ngroups = 0;
	for (int i = 0; i < PROC_MAX; i++) {
		struct proc *c = &sh->procs[i];
		if (c->state == PROC_FREE || c->ppid != p->pid || c == p)
			continue;
		c->ppid = PROC_INIT_PID;
		if (c->state == PROC_ZOMBIE)
			linux_proc_free(c);
		else
			groups[ngroups++] = (typeof(groups[0])){c->pgid, c->sid};
	}
	const struct proc *parent = linux_proc_by_pid(p->ppid);
	if (parent && parent->state == PROC_RUN)
		hup_if_orphaned(p->pgid, p->sid, parent, p);
	for (int i = 0; i < ngroups; i++)
		hup_if_orphaned(groups[i].pgid, groups[i].sid, p, NULL);
}

/* A process the kernel ended (a fault ExOS could not turn into a signal, or
 * destroyed): its env is gone while its entry says it runs.  Linux would say
 * it died of the signal its status names. */
static bool reap_dead_env(struct proc *p)
{
	if (p->state != PROC_RUN)
		return false;
	const volatile struct exo_env_info *e = exos_env_info(p->env_id);
	if (e->id == p->env_id && e->state != EXO_ENV_EXITED && e->state != EXO_ENV_FREE)
		return false;
	int st = e->id == p->env_id ? unix_status((unsigned)e->status) : -1;
	p->wstatus = st >= 128 ? st - 128 : st >= 0 ? st << 8 : UNIX_SIGKILL;
	orphan_on_exit(p);
	p->state = PROC_ZOMBIE;
	return true;
}

/* Is c a child of ours whose environment the kernel ended while its entry
 * still says it runs?  Read without the lock: a hint, reap_dead_env decides. */
static bool child_env_dead(const struct proc *c)
{
	if (c->state != PROC_RUN || c->ppid != self->pid || c == self)
		return false;
	const volatile struct exo_env_info *e = exos_env_info(c->env_id);
	return e->id != c->env_id || e->state == EXO_ENV_EXITED || e->state == EXO_ENV_FREE;
}

void linux_proc_check_children(void)
{
	struct shared_hdr *sh = linux_shared();
	bool any = false;
	if (!sh || !self)
		return;
	for (int i = 0; i < PROC_MAX && !any; i++)
		any = child_env_dead(&sh->procs[i]);
	if (!any)
		return;
	any = false;
	linux_shared_lock();
	for (int i = 0; i < PROC_MAX; i++)
		if (child_env_dead(&sh->procs[i]))
			any |= reap_dead_env(&sh->procs[i]);
	linux_shared_unlock();
	if (any) /* as the child's own exit would have: wait4 looks, SIGCHLD */
		linux_proc_signal(self, LINUX_SIGCHLD);
}

bool linux_proc_has_children(void)
{
	struct shared_hdr *sh = linux_shared();
	for (int i = 0; sh && self && i < PROC_MAX; i++)
		if (sh->procs[i].state == PROC_RUN && sh->procs[i].ppid == self->pid &&
		    &sh->procs[i] != self)
			return true;
	return false;
}

void linux_proc_exit(int wstatus)
{
	struct shared_hdr *sh = linux_shared();
	if (!self || self->state != PROC_RUN || !sh)
		return;
	linux_shared_lock();
	orphan_on_exit(self);
	self->wstatus = wstatus;
	struct proc *parent = linux_proc_by_pid(self->ppid);
	if (parent && parent->state != PROC_ZOMBIE) {
		self->state = PROC_ZOMBIE;
		linux_proc_signal(parent, LINUX_SIGCHLD);
	} else {
		linux_proc_free(self);
	}
	linux_shared_unlock();
}

/* Does child c match wait4's pid argument? */
static bool wanted(const struct proc *c, long pid)
{
	if (pid > 0)
		return c->pid == (uint32_t)pid;
	if (pid == -1)
		return true;
	uint32_t pgid = pid == 0 ? self->pgid : (uint32_t)-pid;
	return c->pgid == pgid;
}

/* What wait reports of a child: its pid, Linux's wait status and waitid's
 * code. */
struct child_change {
	uint32_t pid;
	int32_t status;
	int code;
};

/* The change of c that options ask for, if it has one: its exit (reaped
 * unless WNOWAIT), a stop (WUNTRACED) or a continue (WCONTINUED). */
static bool take_change(struct proc *c, int options, struct child_change *out)
{
	out->pid = c->pid;
	if (c->state == PROC_ZOMBIE && !(options & WNOEXIT)) {
		bool killed = (c->wstatus & 0x7f) != 0;
		out->status = c->wstatus;
		out->code = killed ? CLD_KILLED : CLD_EXITED;
		if (!(options & WNOWAIT))
			linux_proc_free(c);
		return true;
	}
	int32_t rep = c->report;
	if (!rep || c->state != PROC_RUN)
		return false;
	if (rep == REPORT_CONT ? !(options & WCONTINUED) : !(options & WUNTRACED))
		return false;
	out->status = rep;
	out->code = rep == REPORT_CONT ? CLD_CONTINUED : CLD_STOPPED;
	if (!(options & WNOWAIT))
		c->report = 0;
	return true;
}

/* One pass over our children: a change that matches, -LINUX_ECHILD if no
 * child matches at all, 0 if some live with nothing to report. */
static long find_change(long pid, int options, struct child_change *out)
{
	struct shared_hdr *sh = linux_shared();
	bool any = false;
	long r = -LINUX_ECHILD;
	if (!sh || !self)
		return -LINUX_ECHILD;
	linux_proc_check_children();
	linux_shared_lock();
	for (int i = 0; i < PROC_MAX; i++) {
		struct proc *c = &sh->procs[i];
		if (c->state == PROC_FREE || c == self || c->ppid != self->pid || !wanted(c, pid))
			continue;
		any = true;
		if (take_change(c, options, out)) {
			r = out->pid;
			break;
		}
	}
	linux_shared_unlock();
	return r > 0 ? r : any ? 0 : -LINUX_ECHILD;
}

/* Sleeps until a child matching pid changes state as options ask. */
static long wait_child(long pid, int options, struct child_change *out)
{
	for (;;) {
		/* The sequence word is read before the look: a child that changes
		 * state after the look has bumped it, so the sleep ends at once (a
		 * word read after the look would miss it and sleep for ever). */
		uint64_t seq = self ? self->sigseq : 0;
		long r = find_change(pid, options, out);
		if (r != 0 || (options & WNOHANG))
			return r;
		struct exo_pred_term t = linux_pred_word(&self->sigseq, EXO_PRED_NE, seq);
		r = linux_block(&t, 1, 0);
		if (r == -LINUX_EINTR) {
			r = find_change(pid, options, out);
			return r != 0 ? r : -LINUX_EINTR;
		}
	}
}

SYS(sys_wait4)
{
	UNUSED6;
	if (a3 & ~(long)(WNOHANG | WUNTRACED | WCONTINUED | WALL | WCLONE | 0x20000000))
		return -LINUX_EINVAL;
	if ((int)a1 == INT32_MIN)
		return -LINUX_ESRCH;
	struct child_change c;
	long r = wait_child((int)a1, (int)a3 & (WNOHANG | WUNTRACED | WCONTINUED), &c);
	if (r <= 0)
		return r;
	if (a2 && linux_copy_to_user((uint64_t)a2, &c.status, sizeof(int)))
		return -LINUX_EFAULT;
	if (a4) {
		long ru[18] = {0};
		if (linux_copy_to_user((uint64_t)a4, ru, sizeof(ru)))
			return -LINUX_EFAULT;
	}
	return r;
}

struct waitid_info {
	int32_t signo, errno_, code, pad;
	int32_t pid;
	uint32_t uid;
	int32_t status;
	uint8_t rest[128 - 28];
};

SYS(sys_waitid)
{
	UNUSED6;
	int options = (int)a4;
	if (options & ~(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | WALL | WCLONE |
	                0x20000000) ||
	    !(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -LINUX_EINVAL;
	long pid;
	switch (a1) {
	case P_ALL:
		pid = -1;
		break;
	case P_PID:
		if (a2 <= 0)
			return -LINUX_EINVAL;
		pid = a2;
		break;
	case P_PGID:
		if (a2 < 0)
			return -LINUX_EINVAL;
		pid = a2 ? -a2 : 0;
		break;
	default:
		return -LINUX_EINVAL;
	}
	struct waitid_info info = {0};
	struct child_change c;
	/* wait4's options: WSTOPPED is WUNTRACED; without WEXITED exits stay. */
	int want = (options & (WNOHANG | WSTOPPED | WCONTINUED | WNOWAIT)) |
	           (options & WEXITED ? 0 : WNOEXIT);
	long r = wait_child(pid, want, &c);
	if (r < 0)
		return r;
	if (r > 0) {
		info.signo = LINUX_SIGCHLD;
		info.code = c.code;
		info.pid = (int32_t)c.pid;
		info.uid = linux_opts.uid;
		info.status = c.code == CLD_EXITED      ? (c.status >> 8) & 0xff
		              : c.code == CLD_KILLED    ? c.status & 0x7f
		              : c.code == CLD_CONTINUED ? LINUX_SIGCONT
		                                        : (c.status >> 8) & 0xff;
	}
	if (a3 && linux_copy_to_user((uint64_t)a3, &info, sizeof(info)))
		return -LINUX_EFAULT;
	return 0;
}

/* ---- identity, process groups and sessions ---- */

SYS(sys_getpid)
{
	UNUSED6;
	return linux_proc_getpid();
}

SYS(sys_getppid)
{
	UNUSED6;
	return getppid_now();
}

static const struct proc *lookup(long pid)
{
	pid = (int)pid; /* pid_t: the upper half of the register is not ours */
	return pid == 0 ? self : linux_proc_by_pid((uint32_t)pid);
}

SYS(sys_getpgid)
{
	UNUSED6;
	a1 = (int)a1;
	if (!self)
		return a1 == 0 || a1 == PROC_FIRST_PID ? PROC_FIRST_PID : -LINUX_ESRCH;
	const struct proc *p = lookup(a1);
	return p ? (long)p->pgid : -LINUX_ESRCH;
}

SYS(sys_getpgrp)
{
	UNUSED6;
	return self ? self->pgid : PROC_FIRST_PID;
}

SYS(sys_getsid)
{
	UNUSED6;
	a1 = (int)a1;
	if (!self)
		return a1 == 0 || a1 == PROC_FIRST_PID ? PROC_FIRST_PID : -LINUX_ESRCH;
	const struct proc *p = lookup(a1);
	return p ? (long)p->sid : -LINUX_ESRCH;
}

/* setsid: Linux refuses a process group leader. */
SYS(sys_setsid)
{
	UNUSED6;
	if (!self || !linux_shared())
		return -LINUX_EPERM; /* the first process leads its group */
	bool leader = false;
	struct shared_hdr *sh = linux_shared();
	for (int i = 0; i < PROC_MAX; i++)
		if (sh->procs[i].state != PROC_FREE && sh->procs[i].pgid == self->pid)
			leader = true;
	if (leader)
		return -LINUX_EPERM;
	self->sid = self->pgid = self->pid;
	return self->pid;
}

/* setpgid(pid, pgid): ourselves or a child of ours, into a group of our
 * session (or a new one named after it). */
SYS(sys_setpgid)
{
	UNUSED6;
	a1 = (int)a1, a2 = (int)a2;
	if (a2 < 0)
		return -LINUX_EINVAL;
	if (!self) {
		if (a1 != 0 && a1 != PROC_FIRST_PID)
			return -LINUX_ESRCH;
		return a2 == 0 || a2 == PROC_FIRST_PID ? 0 : -LINUX_EPERM;
	}
	struct proc *p = a1 == 0 ? self : linux_proc_by_pid((uint32_t)a1);
	if (!p || (p != self && p->ppid != self->pid))
		return -LINUX_ESRCH;
	if (p->sid != self->sid || p->sid == p->pid)
		return -LINUX_EPERM;
	uint32_t pgid = a2 == 0 ? p->pid : (uint32_t)a2;
	if (pgid != p->pid) {
		bool exists = false;
		struct shared_hdr *sh = linux_shared();
		for (int i = 0; i < PROC_MAX; i++)
			if (sh->procs[i].state != PROC_FREE && sh->procs[i].pgid == pgid &&
			    sh->procs[i].sid == self->sid)
				exists = true;
		if (!exists)
			return -LINUX_EPERM;
	}
	p->pgid = pgid;
	return 0;
}

/* ---- kill ---- */

/* May we signal p?  One user: always, but init is not ours to signal. */
static long send(struct proc *p, int sig)
{
	if (p->state == PROC_ZOMBIE || p->state == PROC_EMBRYO)
		return 0;
	if (sig)
		linux_proc_signal(p, sig);
	return 0;
}

long linux_kill(long pid, int sig)
{
	pid = (int)pid;
	if (sig < 0 || sig > LINUX_NSIG)
		return -LINUX_EINVAL;
	struct shared_hdr *sh = linux_shared();
	if (!sh || !self) {
		/* Alone: only ourselves (0, -1, our pid or our group). */
		if (pid != PROC_FIRST_PID && pid != 0 && pid != -1 && pid != -PROC_FIRST_PID)
			return -LINUX_ESRCH;
		return sig ? linux_signal_raise(NULL, sig) : 0;
	}
	if (pid > 0) {
		struct proc *p = linux_proc_by_pid((uint32_t)pid);
		return p ? send(p, sig) : -LINUX_ESRCH;
	}
	uint32_t pgid = pid == 0 ? self->pgid : (uint32_t)-pid;
	bool found = false;
	for (int i = 0; i < PROC_MAX; i++) {
		struct proc *p = &sh->procs[i];
		if (p->state == PROC_FREE || p->state == PROC_EMBRYO)
			continue;
		if (pid == -1 ? p == self : p->pgid != pgid)
			continue; /* kill(-1) skips ourselves (and init) */
		found = true;
		send(p, sig);
	}
	return found ? 0 : -LINUX_ESRCH;
}

const struct linux_syscall_def linux_proctab_syscalls[] = {
        LINUX_DEF(wait4),   LINUX_DEF(waitid),
        LINUX_DEF(getpid),  {LINUX_SYS_gettid, "gettid", sys_getpid},
        LINUX_DEF(getppid), LINUX_DEF(getpgid),
        LINUX_DEF(getpgrp), LINUX_DEF(getsid),
        LINUX_DEF(setsid),  LINUX_DEF(setpgid),
};
const size_t linux_proctab_nsyscalls = ARRAY_LEN(linux_proctab_syscalls);
