/* Linux system calls: how they reach ExOS, dispatch, tracing, and the
 * rewriting of syscall sites.
 *
 * The slow path: ExOS registers for EXO_EV_SYSCALL, so the kernel reflects
 * every bare `syscall` of the program to ExOS's exception handler as an
 * EXO_VEC_SYSCALL upcall (one kernel crossing, tens of µs on KVM-on-PVM).
 *
 * The fast path (rewrite.c): the first time a site traps, ExOS rewrites the
 * instruction that loads its call number into a jump to a stub, which enters
 * linux_direct_entry (entry.S) without a kernel crossing.  Sites it cannot
 * rewrite safely keep trapping.  `exosim --no-rewrite` turns it off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exos/exception.h>
#include <exos/vm.h>

#include "elf64.h"
#include "linux.h"
#include "vfs.h"
#include "mm.h"
#include "proc.h"
#include "thread.h"
#include "unix_socket.h"
#include "unix_status.h"

struct linux_options linux_opts = {.rewrite = true};

static linux_sysfn table[LINUX_NR_MAX], table_prev[LINUX_NR_MAX];
static const char *table_name[LINUX_NR_MAX];

uint64_t linux_syscalls_trapped, linux_syscalls_direct;

void linux_direct_entry(void);
_Noreturn void linux_ctx_resume(struct linux_ctx *ctx);
void linux_call_on_stack(void (*fn)(struct linux_ctx *), struct linux_ctx *arg, uint64_t top);

/* Calls that walk or change the file tree all processes share, and never
 * block: they run under its lock (vfs.h's fs_lock), so another process never
 * sees a change half made. */
static bool tree_call[LINUX_NR_MAX];

static void add_table(const struct linux_syscall_def *defs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (defs[i].nr >= 0 && defs[i].nr < LINUX_NR_MAX) {
			table_prev[defs[i].nr] = table[defs[i].nr];
			table[defs[i].nr] = defs[i].fn;
			table_name[defs[i].nr] = defs[i].name;
		}
}

linux_sysfn linux_syscall_prev(long nr)
{
	return nr >= 0 && nr < LINUX_NR_MAX ? table_prev[nr] : 0;
}

linux_sysfn linux_syscall_fn(long nr)
{
	return nr >= 0 && nr < LINUX_NR_MAX ? table[nr] : 0;
}

static void add_tree_table(const struct linux_syscall_def *defs, size_t n)
{
	add_table(defs, n);
	for (size_t i = 0; i < n; i++)
		if (defs[i].nr >= 0 && defs[i].nr < LINUX_NR_MAX)
			tree_call[defs[i].nr] = true;
}

/* ---- dispatch and tracing --------------------------------------------- */

static const char *call_name(long nr, char *buf, size_t len)
{
	if (nr >= 0 && nr < LINUX_NR_MAX && table_name[nr])
		return table_name[nr];
	if (nr >= 0 && nr < LINUX_NR_MAX && linux_syscall_names[nr])
		return linux_syscall_names[nr];
	snprintf(buf, len, "syscall_%ld", nr);
	return buf;
}

/* One line per call, strace-like: name(args) = result.  Arguments are the six
 * registers without the trailing zeros; small values in decimal. */
static void trace(long nr, const long a[6], long ret, bool done)
{
	char line[256], nbuf[32];
	int n = snprintf(line, sizeof(line), "[exos] %s(", call_name(nr, nbuf, sizeof(nbuf)));
	int last = 5;
	while (last >= 0 && a[last] == 0)
		last--;
	for (int i = 0; i <= last && n < (int)sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		              a[i] > -65536 && a[i] < 65536 ? "%s%ld" : "%s0x%lx", i ? ", " : "",
		              a[i]);
	if (n < (int)sizeof(line)) {
		if (!done)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ") = ?\n");
		else if (ret < 0 && ret > -4096)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ") = -%ld\n", -ret);
		else
			n += snprintf(line + n, sizeof(line) - (size_t)n,
			              ret > -65536 && ret < 65536 ? ") = %ld\n" : ") = 0x%lx\n",
			              ret);
	}
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1, line[n - 1] = '\n';
	exo_console_write(EXO_STDERR, line, (size_t)n);
}

struct linux_ctx *linux_cur_ctx;

void linux_syscall(struct linux_ctx *c)
{
	long nr = (long)c->rax;
	long a[6] = {(long)c->rdi, (long)c->rsi, (long)c->rdx,
	             (long)c->r10, (long)c->r8,  (long)c->r9};
	linux_cur_ctx = c;
	bool ends = nr == LINUX_SYS_exit || nr == LINUX_SYS_exit_group;
	if (linux_opts.trace && ends)
		trace(nr, a, 0, false);
	linux_sysfn fn = nr >= 0 && nr < LINUX_NR_MAX ? table[nr] : 0;
	bool lock = fn && tree_call[nr];
	if (lock)
		fs_lock();
	long ret = fn ? fn(a[0], a[1], a[2], a[3], a[4], a[5]) : -LINUX_ENOSYS;
	if (lock)
		fs_unlock();
	c->rax = (uint64_t)ret; /* rt_sigreturn returns the restored rax */
	if (linux_opts.trace)
		trace(nr, a, ret, true);
	linux_thread_exit_point(); /* another thread's turn, timers */
	linux_signal_deliver_pending(c);
	linux_cur_ctx = 0;
}

/* ---- the direct path -------------------------------------------------- */

/* entry.S: a rewritten site called.  Nonzero if the context changed beyond
 * rax (a signal handler to enter, rt_sigreturn): then entry.S resumes all of
 * it. */
int linux_syscall_direct(struct linux_ctx *c)
{
	uint64_t rip = c->rip, rsp = c->rsp;
	linux_syscalls_direct++;
	linux_syscall(c);
	return c->rip != rip || c->rsp != rsp;
}

/* ---- the trap path ---------------------------------------------------- */

static void ctx_from_frame(struct linux_ctx *c, const struct exo_xframe *f,
                           const struct exos_regs *r)
{
	*c = (struct linux_ctx){.r8 = r->r8,
	                        .r9 = r->r9,
	                        .r10 = r->r10,
	                        .r11 = r->r11,
	                        .r12 = r->r12,
	                        .r13 = r->r13,
	                        .r14 = r->r14,
	                        .r15 = r->r15,
	                        .rdi = r->rdi,
	                        .rsi = r->rsi,
	                        .rbp = r->rbp,
	                        .rbx = r->rbx,
	                        .rdx = f->rdx,
	                        .rax = f->rax,
	                        .rcx = f->rcx,
	                        .rsp = f->rsp,
	                        .rip = f->rip,
	                        .rflags = f->rflags};
}

static void ctx_to_frame(const struct linux_ctx *c, struct exo_xframe *f, struct exos_regs *r)
{
	r->r8 = c->r8, r->r9 = c->r9, r->r10 = c->r10, r->r11 = c->r11;
	r->r12 = c->r12, r->r13 = c->r13, r->r14 = c->r14, r->r15 = c->r15;
	r->rdi = c->rdi, r->rsi = c->rsi, r->rbp = c->rbp, r->rbx = c->rbx;
	f->rdx = c->rdx, f->rax = c->rax, f->rcx = c->rcx, f->rsp = c->rsp;
	f->rip = c->rip, f->rflags = c->rflags;
}

/* Runs fn(c) on the thread's ExOS stack, unless already on it (a fault
 * inside ExOS). */
void linux_on_exos_stack(void (*fn)(struct linux_ctx *), struct linux_ctx *c)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0);
	if (sp >= linux_exos_stack_lo && sp < linux_exos_stack_top)
		fn(c);
	else
		linux_call_on_stack(fn, c, linux_exos_stack_top);
}

/* A call may block or switch threads, and another thread then takes the
 * exception stack: the program's state moves to the thread's own ExOS stack,
 * the exception frame is left behind, and the program resumes from there
 * (entry.S) when fn is done.  (Resuming costs the same as through the
 * frame: both are ring 3.)  The state is copied while still on the
 * exception stack: once rsp has left it, an upcall (a tick, a resume after
 * preemption) lands at its top, over the abandoned frame and whatever was
 * below it. */
static void (*off_fn)(struct linux_ctx *);

static _Noreturn void off_xstack(struct linux_ctx *c)
{
	exos_exception_depth--; /* the frame is abandoned */
	off_fn(c);
	linux_ctx_resume(c);
}

static _Noreturn void serve_off_xstack(void (*fn)(struct linux_ctx *), struct linux_ctx *c)
{
	struct linux_ctx *copy =
	        (struct linux_ctx *)((linux_exos_stack_top - sizeof(*copy)) & ~15ul);
	*copy = *c;
	off_fn = fn;
	linux_call_on_stack((void (*)(struct linux_ctx *))off_xstack, copy, (uint64_t)copy);
	__builtin_unreachable();
}

/* A trapped `syscall` at c->rcx - 2: rewrite the site (on ExOS's stack: it
 * may map stub pages), then serve the call. */
static void trapped_call(struct linux_ctx *c)
{
	linux_site_trapped(c->rcx - 2, c);
	linux_syscall(c);
}

static int syscall_upcall(struct exo_xframe *f, struct exos_regs *r)
{
	struct linux_ctx c;
	ctx_from_frame(&c, f, r);
	/* What `syscall` did on the way in: rcx = rip, r11 = rflags. */
	c.rcx = f->rip;
	c.r11 = f->rflags;
	linux_syscalls_trapped++;
	serve_off_xstack(trapped_call, &c);
}

/* A jump into a site rewritten over its `syscall` lands on an invalid opcode
 * (rewrite.c): at the `syscall`, serve the call it was with the registers as
 * they are; at the instruction after it, go on in the stub's copy. */
static bool syscall_ud(struct exo_xframe *f, struct exos_regs *r)
{
	uint64_t resume;
	int what = f->vector == 6 ? linux_site_ud(f->rip, &resume) : 0;
	if (what == LINUX_UD_RESUME)
		f->rip = resume;
	if (what != LINUX_UD_SYSCALL)
		return what != 0;
	struct linux_ctx c;
	ctx_from_frame(&c, f, r);
	c.rip = c.rcx = f->rip + 2;
	c.r11 = f->rflags;
	linux_syscalls_trapped++;
	serve_off_xstack(linux_syscall, &c);
}

/* ---- exceptions of the program ---------------------------------------- */

static bool in_exos(uint64_t rip)
{
	extern char __executable_start[], _end[];
	return rip >= (uint64_t)__executable_start && rip < (uint64_t)_end;
}

/* Memory ran out under a page the program may use: Linux's OOM killer
 * would SIGKILL it and say so in the kernel log, so we end it with 137 and
 * one line, never a silent SIGSEGV. */
_Noreturn static void oom_kill(uint64_t addr)
{
	linux_refuse(UNIX_STATUS_SIGNALED(LINUX_SIGKILL),
	             "exos: out of memory: the program was killed (no page for its access at "
	             "0x%lx; see --mem)\n",
	             (unsigned long)addr);
}

/* A write to a copy-on-write page of a region the program may write (its
 * .data mapped in place from the initramfs, load.c): vm.c's policy copies
 * it.  The region is checked first: a page the program made read-only since
 * faults as on Linux. */
static bool cow_write(struct exo_xframe *f, struct exos_regs *r)
{
	const struct vma *v = vma_find(&vmas, f->addr);
	return (f->err & 3) == 3 && (exos_pte(f->addr) & EXOS_PTE_COW) && v &&
	       (v->prot & LINUX_PROT_WRITE) && exos_vm_fault(f, r);
}

/* #PF: the memory layer's demand paging, then SIGSEGV for the program. */
static int fault_upcall(struct exo_xframe *f, struct exos_regs *r)
{
	int code = LINUX_SEGV_MAPERR;
	int served = linux_mm_fault(f->addr, f->err, &code);
	if (served > 0 || (served == 0 && cow_write(f, r)))
		return 1;
	if (served < 0 && !in_exos(f->rip))
		oom_kill(f->addr);
	if (in_exos(f->rip))
		return 0; /* ExOS's own bug: the runtime's diagnostic and exit */
	struct linux_ctx c;
	ctx_from_frame(&c, f, r);
	linux_signal_sync(&c, LINUX_SIGSEGV, code, f->addr, (int)f->vector);
	ctx_to_frame(&c, f, r);
	return 1;
}

/* Every other exception of the program becomes its signal, as Linux sends. */
static int trap_upcall(struct exo_xframe *f, struct exos_regs *r)
{
	if (syscall_ud(f, r))
		return 1;
	if (in_exos(f->rip))
		return 0;
	int sig = LINUX_SIGSEGV, code = LINUX_SI_KERNEL;
	uint64_t addr = 0;
	switch (f->vector) {
	case 0: /* #DE */
		sig = LINUX_SIGFPE, code = LINUX_FPE_INTDIV, addr = f->rip;
		break;
	case 16: /* x87 */
	case 19: /* SIMD */
		sig = LINUX_SIGFPE, code = 0, addr = f->rip;
		break;
	case 1:
	case 3: /* int3: Linux reports the address after it */
		sig = LINUX_SIGTRAP, code = LINUX_TRAP_BRKPT, addr = f->rip;
		break;
	case 6: /* #UD */
		sig = LINUX_SIGILL, code = LINUX_ILL_ILLOPN, addr = f->rip;
		break;
	case 17: /* #AC */
		sig = LINUX_SIGBUS, code = 1, addr = f->rip;
		break;
	}
	struct linux_ctx c;
	ctx_from_frame(&c, f, r);
	linux_signal_sync(&c, sig, code, addr, (int)f->vector);
	ctx_to_frame(&c, f, r);
	return 1;
}

/* ---- the tick: preemption and timers (thread.c, timer.c) ------------- */

/* The tick upcall (EXO_EV_TICK), or an epilogue: in program code, the
 * running thread's time is up and a due timer's signal is delivered now;
 * inside ExOS (a call being served, a handler) that waits for the way out. */
static int tick_upcall(struct exo_xframe *f, struct exos_regs *r)
{
	if (f->vector == EXO_VEC_EPILOGUE)
		exo_yield(); /* the kernel's slice is over: answer it first */
	linux_need_resched = true;
	/* Program code: not ExOS's text, nor the kernel's gate page or anything
	 * else above the program's half (ExOS calling the kernel), nor on an
	 * ExOS stack. */
	bool program = !in_exos(f->rip) && f->rip < LINUX_EXOS_STACK_LO &&
	               !(f->rsp >= EXOS_XSTACK_LO && f->rsp < EXOS_XSTACK_HI) &&
	               !(f->rsp >= linux_exos_stack_lo && f->rsp <= linux_exos_stack_top);
	if (exos_exception_depth != 1 || !program || exo_uarea()->critical) {
		/* Inside ExOS, perhaps past its last look on the way out of a call:
		 * a signal another process sent meanwhile must not wait for the
		 * program's next call.  Look again at the next tick. */
		if (linux_signal_waiting())
			linux_ticks_want(LINUX_TICKS_SIGNAL, true);
		return 1;
	}
	linux_ticks_want(LINUX_TICKS_SIGNAL, false); /* delivered below */
	struct linux_ctx c;
	ctx_from_frame(&c, f, r);
	serve_off_xstack(linux_thread_preempted, &c);
}

/* ---- set-up ----------------------------------------------------------- */

void linux_syscall_table_init(void)
{
	add_table(linux_fd_syscalls, linux_fd_nsyscalls);
	add_tree_table(linux_open_syscalls, linux_open_nsyscalls);
	add_table(linux_io_syscalls, linux_io_nsyscalls);
	add_table(linux_poll_syscalls, linux_poll_nsyscalls);
	add_table(linux_pipe_syscalls, linux_pipe_nsyscalls);
	add_table(linux_dev_syscalls, linux_dev_nsyscalls);
	add_tree_table(linux_path_syscalls, linux_path_nsyscalls);
	add_tree_table(linux_stat_syscalls, linux_stat_nsyscalls);
	add_tree_table(linux_dir_syscalls, linux_dir_nsyscalls);
	add_tree_table(linux_tree_syscalls, linux_tree_nsyscalls);
	add_table(linux_mm_syscalls, linux_mm_nsyscalls);
	add_table(linux_process_syscalls, linux_process_nsyscalls);
	add_table(linux_signal_syscalls, linux_signal_nsyscalls);
	add_table(linux_proctab_syscalls, linux_proctab_nsyscalls);
	add_table(linux_fork_syscalls, linux_fork_nsyscalls);
	add_table(linux_exec_syscalls, linux_exec_nsyscalls);
	add_table(linux_usock_syscalls, linux_usock_nsyscalls);
	/* Keep these after every other table: they replace process.c's one-thread
	 * calls, and thread.c's clone passes clones that are not threads to the
	 * handler registered before it (linux_syscall_prev). */
	add_table(linux_thread_syscalls, linux_thread_nsyscalls);
	add_table(linux_timer_syscalls, linux_timer_nsyscalls);
	add_table(linux_futex_syscalls, linux_futex_nsyscalls);
	add_table(linux_epoll_syscalls, linux_epoll_nsyscalls);
	add_table(linux_eventfd_syscalls, linux_eventfd_nsyscalls);
}

void linux_syscall_init(const struct elf64_image *img)
{
	linux_syscall_table_init();
	if (exos_map_run(LINUX_EXOS_STACK_LO,
	                 (LINUX_EXOS_STACK_HI - LINUX_EXOS_STACK_LO) / EXO_PAGE_SIZE,
	                 EXO_PTE_W | EXO_PTE_NX) < 0) {
		fprintf(stderr, "exos: no memory for ExOS's stack\n");
		exit(EXOSIM_EXIT_NOMEM);
	}
	exos_set_exception_handler(EXO_VEC_SYSCALL, syscall_upcall);
	exos_set_exception_handler(14, fault_upcall);
	exos_set_exception_handler(EXO_VEC_PROLOGUE, tick_upcall);
	exos_set_exception_handler(EXO_VEC_EPILOGUE, tick_upcall);
	static const int vectors[] = {0, 1, 3, 4, 5, 6, 11, 12, 13, 16, 17, 19};
	for (size_t i = 0; i < ARRAY_LEN(vectors); i++)
		exos_set_exception_handler(vectors[i], trap_upcall);
	/* Keep what is asked already (the process table's EXO_EV_RESUME). */
	unsigned events = exos_env_info(exos_self_id())->events;
	if (exos_set_upcall_events(events | EXO_EV_SYSCALL) < 0) {
		fprintf(stderr, "exos: cannot receive the program's system calls\n");
		exit(EXOSIM_EXIT_INTERNAL);
	}
	linux_rewrite_init(img);
}
