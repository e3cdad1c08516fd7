/* Signals: actions, the mask, and delivery in ring 3.
 *
 * Every signal here is either synchronous (an exception of the program,
 * turned into SIGSEGV, SIGFPE, ... by syscall.c) or sent by the program to
 * itself (kill, tkill, tgkill, hence raise and abort).  Delivery builds the
 * frame Linux builds (struct rt_sigframe: return address, ucontext, siginfo,
 * then the FPU state) on the program's stack or its sigaltstack, so a
 * handler can read si_addr or the saved registers and return through its
 * sa_restorer into rt_sigreturn.  The FPU/SSE/AVX state goes into the frame
 * as Linux lays it out (fpstate.c): ExOS itself never touches those
 * registers, so they hold the program's state here. */
#include <stdio.h>
#include <string.h>

#include <exos/sys.h>

#include "fpstate.h"
#include "linux.h"
#include "proc.h"
#include "thread.h"

#define SIG_DFL 0
#define SIG_IGN 1

#define SA_NOCLDSTOP 0x00000001ul
#define SA_SIGINFO   0x00000004ul
#define SA_ONSTACK   0x08000000ul
#define SA_RESTORER  0x04000000ul
#define SA_NODEFER   0x40000000ul
#define SA_RESETHAND 0x80000000ul

#define SS_ONSTACK 1
#define SS_DISABLE 2

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define BIT(sig) (1ull << ((sig)-1))
/* SIGKILL and SIGSTOP can be neither caught nor blocked. */
#define UNBLOCKABLE (BIT(LINUX_SIGKILL) | BIT(LINUX_SIGSTOP))
/* Signals whose default action stops the process: STOP, TSTP, TTIN, TTOU. */
#define STOPS (BIT(LINUX_SIGSTOP) | BIT(20) | BIT(21) | BIT(22))

/* The kernel's struct sigaction for rt_sigaction (not libc's). */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct linux_stack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

struct linux_siginfo {
	int32_t signo, errno_, code, pad;
	union {
		uint64_t addr; /* SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP */
		struct {
			int32_t pid;
			uint32_t uid;
		} kill;
		uint8_t bytes[112];
	};
};

/* struct sigcontext, as mcontext_t: the general registers in linux_ctx's
 * order, then the rest. */
struct linux_mcontext {
	struct linux_ctx gregs; /* r8 .. rip, eflags */
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* address of the fxsave area, or 0 */
	uint64_t reserved[8];
};

struct linux_ucontext {
	uint64_t flags;
	uint64_t link;
	struct linux_stack stack;
	struct linux_mcontext mcontext;
	uint64_t sigmask;
};

struct rt_sigframe {
	uint64_t pretcode; /* the handler returns here: sa_restorer */
	struct linux_ucontext uc;
	struct linux_siginfo info;
};

_Static_assert(sizeof(struct linux_mcontext) == 256, "sigcontext layout");
_Static_assert(__builtin_offsetof(struct linux_ucontext, sigmask) == 296, "ucontext layout");
_Static_assert(sizeof(struct linux_siginfo) == 128, "siginfo layout");

static struct k_sigaction actions[LINUX_NSIG + 1];
static uint64_t blocked, pending;
static struct linux_stack altstack = {.flags = SS_DISABLE};
/* rt_sigsuspend: the mask to restore once a handler has run (its frame
 * carries it, so rt_sigreturn puts it back). */
static uint64_t suspend_saved;
static bool suspended;

/* A program starts with the signals its parent ignored still ignored, as
 * execve keeps them: exosim passes on its own (linux_opts.sigign), so that
 * `trap '' PIPE` before running a program under exosim means what it does
 * natively. */
void linux_signal_init(void)
{
	memset(actions, 0, sizeof(actions));
	blocked = pending = 0;
	for (int sig = 1; sig <= LINUX_NSIG; sig++)
		if ((linux_opts.sigign & BIT(sig)) && !(UNBLOCKABLE & BIT(sig)))
			actions[sig].handler = SIG_IGN;
}

/* Signals whose default action is to be ignored; everything else we can
 * raise terminates the process. */
static bool ignored_by_default(int sig)
{
	return sig == LINUX_SIGCHLD || sig == LINUX_SIGCONT || sig == LINUX_SIGWINCH ||
	       sig == 23 /* SIGURG */;
}

/* Death by signal: the parent's wait status says so (WIFSIGNALED); the
 * machine's status, if we are the first process, is what a shell reports
 * (128 + sig). */
_Noreturn static void die_of(int sig)
{
	linux_exit_signaled(sig);
}

/* Signals whose default action dumps core, as signal(7) lists them. */
static bool dumps_core(int sig)
{
	return sig == LINUX_SIGQUIT || sig == LINUX_SIGILL || sig == LINUX_SIGTRAP ||
	       sig == LINUX_SIGABRT || sig == LINUX_SIGBUS || sig == LINUX_SIGFPE ||
	       sig == LINUX_SIGSEGV || sig == 24 /* SIGXCPU */ || sig == 25 /* SIGXFSZ */ ||
	       sig == 31 /* SIGSYS */;
}

/* Death by a core-dumping signal at ctx (addr: the fault address, or 0).
 * Under exosim --gdb the debugger stops there first, with the program's
 * registers and memory as the signal found them, where Linux would have
 * written a core file (docs/debugging.md); without it this is one test. */
_Noreturn static void die_at(const struct linux_ctx *ctx, int sig, uint64_t addr)
{
	if ((exo_kinfo()->flags & EXO_KINFO_GDB) && dumps_core(sig)) {
		struct exo_regs r = {.rax = ctx->rax,
		                     .rbx = ctx->rbx,
		                     .rcx = ctx->rcx,
		                     .rdx = ctx->rdx,
		                     .rsi = ctx->rsi,
		                     .rdi = ctx->rdi,
		                     .rbp = ctx->rbp,
		                     .rsp = ctx->rsp,
		                     .r8 = ctx->r8,
		                     .r9 = ctx->r9,
		                     .r10 = ctx->r10,
		                     .r11 = ctx->r11,
		                     .r12 = ctx->r12,
		                     .r13 = ctx->r13,
		                     .r14 = ctx->r14,
		                     .r15 = ctx->r15,
		                     .rip = ctx->rip,
		                     .rflags = ctx->rflags};
		exo_debug_signal(&r, sig, addr);
	}
	die_of(sig);
}

/* ---- between processes (proctab.c sends) ---- */

/* Stop signals whose action is the default stop the process here; ignored
 * ones go.  A stop is no interruption: a blocking call goes on once the
 * process is continued, as Linux restarts it. */
static void take_stops(void)
{
	for (uint64_t st = pending & ~blocked & STOPS; st; st &= st - 1) {
		int sig = __builtin_ctzll(st) + 1;
		if (actions[sig].handler == SIG_DFL || actions[sig].handler == SIG_IGN)
			pending &= ~BIT(sig);
		if (actions[sig].handler == SIG_DFL)
			linux_proc_stop(sig);
	}
}

/* Linux discards pending stop signals when SIGCONT comes, and the other way
 * round (the sender did so in the process table, proctab.c). */
void linux_signal_take(void)
{
	struct proc *self = linux_proc_self();
	if (!self || !self->sigpending)
		return;
	uint64_t in = __atomic_exchange_n(&self->sigpending, 0, __ATOMIC_SEQ_CST);
	if (in & BIT(LINUX_SIGCONT))
		pending &= ~STOPS;
	if (in & STOPS)
		pending &= ~BIT(LINUX_SIGCONT);
	pending |= in;
	take_stops();
}

bool linux_signal_waiting(void)
{
	struct proc *self = linux_proc_self();
	return self && self->sigpending;
}

bool linux_signal_nocldstop(void)
{
	return actions[LINUX_SIGCHLD].flags & SA_NOCLDSTOP;
}

bool linux_signal_ignored(int sig)
{
	uint64_t h = actions[sig].handler;
	return h == SIG_IGN || (h == SIG_DFL && ignored_by_default(sig));
}

bool linux_signal_interrupts(void)
{
	uint64_t ready = pending & ~blocked;
	for (int sig = 1; ready; sig++, ready >>= 1)
		if ((ready & 1) && !linux_signal_ignored(sig))
			return true;
	return false;
}

/* execve: caught signals go back to their default; ignored ones stay
 * ignored, and the mask and pending signals stay. */
void linux_signal_exec(void)
{
	for (int sig = 1; sig <= LINUX_NSIG; sig++)
		if (actions[sig].handler != SIG_IGN)
			actions[sig] = (struct k_sigaction){0};
	altstack = (struct linux_stack){.flags = SS_DISABLE};
}

static bool on_altstack(uint64_t sp)
{
	return !(altstack.flags & SS_DISABLE) && sp - altstack.sp < altstack.size;
}

/* Builds the frame for sig below ctx's stack (or on the alternate stack) and
 * points ctx at the handler.  Returns false if the frame cannot be written:
 * Linux then kills with SIGSEGV. */
static bool setup_frame(struct linux_ctx *ctx, int sig, const struct linux_siginfo *info,
                        int trapno, uint64_t cr2)
{
	const struct k_sigaction *a = &actions[sig];
	uint64_t sp = ctx->rsp;
	if ((a->flags & SA_ONSTACK) && !(altstack.flags & SS_DISABLE) && !on_altstack(sp))
		sp = altstack.sp + altstack.size;
	else
		sp -= 128; /* the interrupted code's red zone */
	uint64_t fpstate = (sp - linux_fpstate_size()) & ~63ul;
	uint64_t frame = ((fpstate - sizeof(struct rt_sigframe)) & ~15ul) - 8;
	if (!linux_user_ok(frame, sp - frame, true))
		return false;

	struct rt_sigframe f = {.pretcode = a->restorer, .info = *info};
	f.uc.stack = altstack;
	f.uc.stack.flags = on_altstack(ctx->rsp) ? SS_ONSTACK : altstack.flags;
	f.uc.mcontext.gregs = *ctx;
	f.uc.mcontext.cs = 0x33;
	f.uc.mcontext.ss = 0x2b;
	f.uc.mcontext.trapno = (uint64_t)trapno;
	f.uc.mcontext.err = trapno == 14 ? 4 : 0;
	f.uc.mcontext.cr2 = cr2;
	uint64_t old = suspended ? suspend_saved : blocked;
	suspended = false;
	f.uc.mcontext.oldmask = old;
	f.uc.mcontext.fpstate = fpstate;
	f.uc.sigmask = old;
	f.uc.flags = linux_fpstate_save(fpstate);
	memcpy((void *)frame, &f, sizeof(f));

	blocked |= a->mask & ~UNBLOCKABLE;
	if (!(a->flags & SA_NODEFER))
		blocked |= BIT(sig);
	uint64_t handler = a->handler;
	if (a->flags & SA_RESETHAND)
		actions[sig].handler = SIG_DFL;

	ctx->rsp = frame;
	ctx->rip = handler;
	ctx->rdi = (uint64_t)sig;
	ctx->rsi = frame + __builtin_offsetof(struct rt_sigframe, info);
	ctx->rdx = frame + __builtin_offsetof(struct rt_sigframe, uc);
	ctx->rax = 0;
	ctx->rflags &= ~0x40500ul; /* TF, DF, AC clear, as Linux enters handlers */
	return true;
}

/* strace's line for a signal, with --trace-syscalls. */
static void trace_signal(const struct linux_ctx *ctx, int sig, int code, uint64_t addr)
{
	if (!linux_opts.trace)
		return;
	char line[160];
	int n = snprintf(line, sizeof(line),
	                 "[exos] --- signal %d {si_code=%d, si_addr=0x%lx} at rip 0x%lx ---\n", sig,
	                 code, addr, ctx->rip);
	exo_console_write(EXO_STDERR, line, (size_t)n);
}

void linux_signal_sync(struct linux_ctx *ctx, int sig, int code, uint64_t addr, int trapno)
{
	trace_signal(ctx, sig, code, addr);
	const struct k_sigaction *a = &actions[sig];
	/* A fault cannot be ignored or blocked: Linux forces the default. */
	if (a->handler == SIG_DFL || a->handler == SIG_IGN || (blocked & BIT(sig)))
		die_at(ctx, sig, addr);
	struct linux_siginfo info = {.signo = sig, .code = code, .addr = addr};
	if (!setup_frame(ctx, sig, &info, trapno, addr))
		die_at(ctx, LINUX_SIGSEGV, 0);
}

/* Delivers the lowest pending unblocked signal, as Linux does on the way
 * back to user mode. */
static void deliver_one(struct linux_ctx *ctx);

void linux_signal_deliver_pending(struct linux_ctx *ctx)
{
	deliver_one(ctx);
	if (suspended) { /* no handler ran: the old mask is back at once */
		blocked = suspend_saved;
		suspended = false;
	}
}

static void deliver_one(struct linux_ctx *ctx)
{
	linux_signal_take();
	take_stops(); /* a signal the process sent itself */
	uint64_t ready = pending & ~blocked;
	if (!ready)
		return;
	/* SIGKILL first: nothing the program does may delay it. */
	int sig = ready & BIT(LINUX_SIGKILL) ? LINUX_SIGKILL : __builtin_ctzll(ready) + 1;
	pending &= ~BIT(sig);
	const struct k_sigaction *a = &actions[sig];
	if (a->handler == SIG_IGN)
		return;
	if (a->handler == SIG_DFL) {
		if (ignored_by_default(sig))
			return;
		die_at(ctx, sig, 0);
	}
	struct linux_siginfo info = {.signo = sig, .code = LINUX_SI_TKILL};
	info.kill.pid = (int32_t)linux_proc_getpid();
	info.kill.uid = linux_opts.uid;
	if (!setup_frame(ctx, sig, &info, 0, 0))
		die_of(LINUX_SIGSEGV);
}

/* ---- system calls ----------------------------------------------------- */

SYS(sys_rt_sigaction)
{
	UNUSED6;
	int sig = (int)a1;
	if (sig < 1 || sig > LINUX_NSIG || a4 != 8)
		return -LINUX_EINVAL;
	struct k_sigaction new;
	if (a2 && linux_copy_from_user(&new, (uint64_t)a2, sizeof(new)))
		return -LINUX_EFAULT;
	if (a3 && linux_copy_to_user((uint64_t)a3, &actions[sig], sizeof(actions[sig])))
		return -LINUX_EFAULT;
	if (a2) {
		if (sig == LINUX_SIGKILL || sig == LINUX_SIGSTOP)
			return -LINUX_EINVAL;
		if (new.handler > SIG_IGN && !(new.flags &SA_RESTORER))
			return -LINUX_EINVAL; /* x86-64 handlers need a restorer */
		new.mask &= ~UNBLOCKABLE;
		actions[sig] = new;
		if (sig == LINUX_SIGCHLD) /* our children's stops need not tell us */
			linux_proc_nocldstop(new.flags &SA_NOCLDSTOP);
		if (new.handler == SIG_IGN)
			pending &= ~BIT(sig);
	}
	return 0;
}

SYS(sys_rt_sigprocmask)
{
	UNUSED6;
	if (a4 != 8)
		return -LINUX_EINVAL;
	uint64_t set = 0, old = blocked;
	if (a2 && linux_copy_from_user(&set, (uint64_t)a2, sizeof(set)))
		return -LINUX_EFAULT;
	if (a2) {
		switch (a1) {
		case SIG_BLOCK:
			blocked |= set;
			break;
		case SIG_UNBLOCK:
			blocked &= ~set;
			break;
		case SIG_SETMASK:
			blocked = set;
			break;
		default:
			return -LINUX_EINVAL;
		}
		blocked &= ~UNBLOCKABLE;
	}
	if (a3 && linux_copy_to_user((uint64_t)a3, &old, sizeof(old))) {
		blocked = old;
		return -LINUX_EFAULT;
	}
	return 0;
}

SYS(sys_rt_sigpending)
{
	UNUSED6;
	uint64_t p = pending & blocked;
	return linux_copy_to_user((uint64_t)a1, &p, sizeof(p));
}

/* The handler returned through sa_restorer: the frame's pretcode has been
 * popped, so rsp points at the ucontext. */
SYS(sys_rt_sigreturn)
{
	UNUSED6;
	struct linux_ctx *ctx = linux_cur_ctx;
	uint64_t frame = ctx->rsp - 8;
	struct rt_sigframe f;
	if (linux_copy_from_user(&f, frame, sizeof(f)))
		die_of(LINUX_SIGSEGV);
	uint64_t rflags = ctx->rflags;
	*ctx = f.uc.mcontext.gregs;
	/* Only the arithmetic flags and DF come from the frame. */
	ctx->rflags = (rflags & ~0xdd5ul) | (ctx->rflags & 0xdd5ul);
	blocked = f.uc.sigmask & ~UNBLOCKABLE;
	uint64_t fp = f.uc.mcontext.fpstate;
	if (fp && !linux_fpstate_restore(fp))
		die_of(LINUX_SIGSEGV);
	return (long)ctx->rax;
}

/* Sleeps until a signal that is neither blocked (by the temporary mask) nor
 * ignored arrives; its handler runs on the way out and returns to the old
 * mask. */
SYS(sys_rt_sigsuspend)
{
	UNUSED6;
	uint64_t mask;
	if (a2 != 8)
		return -LINUX_EINVAL;
	if (linux_copy_from_user(&mask, (uint64_t)a1, sizeof(mask)))
		return -LINUX_EFAULT;
	suspend_saved = blocked;
	suspended = true;
	blocked = mask & ~UNBLOCKABLE;
	while (linux_block(NULL, 0, 0) != -LINUX_EINTR)
		;
	return -LINUX_EINTR;
}

SYS(sys_pause)
{
	UNUSED6;
	while (linux_block(NULL, 0, 0) != -LINUX_EINTR)
		;
	return -LINUX_EINTR;
}

SYS(sys_sigaltstack)
{
	UNUSED6;
	struct linux_stack old = altstack;
	old.flags = on_altstack(linux_cur_ctx->rsp) ? SS_ONSTACK : altstack.flags;
	if (a1) {
		struct linux_stack ss;
		if (linux_copy_from_user(&ss, (uint64_t)a1, sizeof(ss)))
			return -LINUX_EFAULT;
		if (on_altstack(linux_cur_ctx->rsp))
			return -LINUX_EPERM;
		if (ss.flags & ~(SS_DISABLE | (1 << 31)))
			return -LINUX_EINVAL;
		if (!(ss.flags & SS_DISABLE) && ss.size < 2048)
			return -LINUX_ENOMEM;
		altstack = ss;
	}
	if (a2 && linux_copy_to_user((uint64_t)a2, &old, sizeof(old)))
		return -LINUX_EFAULT;
	return 0;
}

static long send_to_self(long pid, long sig)
{
	(void)pid;
	if (sig < 0 || sig > LINUX_NSIG)
		return -LINUX_EINVAL;
	if (sig == 0)
		return 0;
	if (sig == LINUX_SIGKILL)
		die_of((int)sig);
	if ((BIT(sig) & STOPS) || sig == LINUX_SIGCONT) /* as another process's would */
		pending &= (BIT(sig) & STOPS) ? ~BIT(LINUX_SIGCONT) : ~STOPS;
	if ((blocked & BIT(sig)) && linux_threads_many()) {
		linux_thread_signal_process((int)sig); /* a thread that takes it */
		return 0;
	}
	pending |= BIT(sig); /* delivered on the way out of this call */
	return 0;
}

long linux_signal_raise(struct linux_ctx *ctx, int sig)
{
	(void)ctx;
	return send_to_self(linux_proc_getpid(), sig);
}

SYS(sys_kill)
{
	UNUSED6;
	a1 = (int)a1;
	if (a1 == linux_proc_getpid())
		return send_to_self(a1, a2);
	return linux_kill(a1, (int)a2);
}

/* One thread per process: a tid is its pid. */
SYS(sys_tkill)
{
	UNUSED6;
	long r = linux_thread_kill(-1, a1, a2); /* a thread of ours (thread.c) */
	if (r != -LINUX_ESRCH)
		return r;
	a1 = (int)a1;
	if (a1 <= 0)
		return -LINUX_EINVAL;
	return sys_kill(a1, a2, 0, 0, 0, 0); /* another process's main thread */
}

SYS(sys_tgkill)
{
	UNUSED6;
	long r = linux_thread_kill(a1, a2, a3); /* a thread of ours (thread.c) */
	if (r != -LINUX_ESRCH)
		return r;
	a1 = (int)a1, a2 = (int)a2;
	if (a1 <= 0 || a2 <= 0)
		return -LINUX_EINVAL;
	return a1 != a2 ? -LINUX_ESRCH : sys_kill(a2, a3, 0, 0, 0, 0);
}

/* ---- the per-thread side (thread.c, block.c) --------------------------- */

bool linux_signal_wanted(uint64_t set)
{
	for (; set; set &= set - 1) {
		int sig = __builtin_ctzll(set) + 1;
		uint64_t h = actions[sig].handler;
		if (h != SIG_IGN && !(h == SIG_DFL && ignored_by_default(sig)))
			return true;
	}
	return false;
}

bool linux_signal_pending(void)
{
	return linux_signal_wanted(pending & ~blocked);
}

void linux_signal_post_self(int sig)
{
	pending |= BIT(sig);
}

uint64_t linux_signal_blocked(void)
{
	return blocked;
}

uint64_t linux_signal_setmask(uint64_t mask)
{
	uint64_t old = blocked;
	blocked = mask & ~UNBLOCKABLE;
	return old;
}

void linux_signal_mask_end(uint64_t old, long result)
{
	if (result == -LINUX_EINTR) {
		suspend_saved = old;
		suspended = true;
	} else {
		blocked = old & ~UNBLOCKABLE;
	}
}

int linux_signal_take_set(uint64_t set)
{
	uint64_t ready = pending & set;
	if (!ready)
		return 0;
	int sig = __builtin_ctzll(ready) + 1;
	pending &= ~BIT(sig);
	return sig;
}

void linux_signal_swap(struct linux_sigstate *out, const struct linux_sigstate *in)
{
	_Static_assert(sizeof(struct linux_stack) == 24, "altstack in linux_sigstate");
	out->blocked = blocked, out->pending = pending;
	memcpy(&out->ss_sp, &altstack, sizeof(altstack));
	blocked = in->blocked, pending = in->pending;
	memcpy(&altstack, &in->ss_sp, sizeof(altstack));
	out->suspend_saved = suspend_saved, out->suspended = suspended;
	suspend_saved = in->suspend_saved, suspended = in->suspended;
}

const struct linux_syscall_def linux_signal_syscalls[] = {
        {LINUX_SYS_rt_sigaction, "rt_sigaction", sys_rt_sigaction},
        {LINUX_SYS_rt_sigprocmask, "rt_sigprocmask", sys_rt_sigprocmask},
        {LINUX_SYS_rt_sigpending, "rt_sigpending", sys_rt_sigpending},
        {LINUX_SYS_rt_sigreturn, "rt_sigreturn", sys_rt_sigreturn},
        {LINUX_SYS_sigaltstack, "sigaltstack", sys_sigaltstack},
        {LINUX_SYS_rt_sigsuspend, "rt_sigsuspend", sys_rt_sigsuspend},
        {LINUX_SYS_pause, "pause", sys_pause},
        {LINUX_SYS_kill, "kill", sys_kill},
        {LINUX_SYS_tkill, "tkill", sys_tkill},
        {LINUX_SYS_tgkill, "tgkill", sys_tgkill},
};
const size_t linux_signal_nsyscalls = ARRAY_LEN(linux_signal_syscalls);
