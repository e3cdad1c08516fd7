/* Exception upcalls: registration and dispatch (see <exos/exception.h>;
 * the entry and resume path is in xentry.S). */
#include <stdio.h>
#include <stdlib.h>

#include <exos/exception.h>
#include <exos/sched.h>
#include <exos/vm.h>

#include "unix_status.h"

union exos_private_page exos_private_page __attribute__((aligned(EXO_PAGE_SIZE)));

static exos_exception_handler handlers[EXO_NVECTORS];
static int initialized;
static unsigned upcall_events; /* EXO_EV_* registered with the kernel */

static const char *const names[32] = {
        [0] = "divide error",
        [1] = "debug exception",
        [2] = "NMI",
        [3] = "breakpoint",
        [4] = "overflow",
        [5] = "bound range exceeded",
        [6] = "invalid opcode",
        [7] = "device not available",
        [8] = "double fault",
        [10] = "invalid TSS",
        [11] = "segment not present",
        [12] = "stack fault",
        [13] = "general protection fault",
        [14] = "page fault",
        [16] = "x87 floating-point error",
        [17] = "alignment check",
        [18] = "machine check",
        [19] = "SIMD floating-point error",
};

const char *exos_exception_name(uint64_t v)
{
	switch (v) {
	case EXO_VEC_PROLOGUE:
		return "prologue upcall";
	case EXO_VEC_EPILOGUE:
		return "epilogue upcall";
	case EXO_VEC_RECLAIM:
		return "reclaim upcall";
	}
	return v < 32 && names[v] ? names[v] : "reserved exception";
}

const char *exos_strerror(long err)
{
	switch (-err) {
	case 0:
		return "OK";
	case EXO_EPERM:
		return "EPERM";
	case EXO_ENOENT:
		return "ENOENT";
	case EXO_ENOMEM:
		return "ENOMEM";
	case EXO_EFAULT:
		return "EFAULT";
	case EXO_EBUSY:
		return "EBUSY";
	case EXO_EINVAL:
		return "EINVAL";
#ifdef EXO_EBADF
	case EXO_EBADF:
		return "EBADF";
#endif
#ifdef EXO_ENOSPC
	case EXO_ENOSPC:
		return "ENOSPC";
#endif
	case EXO_ENOSYS:
		return "ENOSYS";
	case EXO_EIO:
		return "EIO";
	case EXO_EINTR:
		return "EINTR";
	case EXO_EAGAIN:
		return "EAGAIN";
	case EXO_EPIPE:
		return "EPIPE";
	case EXO_ENXIO:
		return "ENXIO";
	case EXO_EACCES:
		return "EACCES";
	case EXO_EROFS:
		return "EROFS";
	case EXO_EEXIST:
		return "EEXIST";
	case EXO_ENOEXEC:
		return "ENOEXEC";
	default:
		return err >= 0 ? "OK" : "E?";
	}
}

exos_exception_handler exos_set_exception_handler(int vector, exos_exception_handler fn)
{
	exos_exception_handler old;

	if (vector < 0 || vector >= EXO_NVECTORS)
		return 0;
	old = handlers[vector];
	handlers[vector] = fn;
	return old;
}

long exos_exceptions_init(void)
{
	long r;

	if (initialized)
		return 0;
	r = exos_map_range(EXOS_XSTACK_LO, EXOS_XSTACK_PAGES, EXO_PTE_W | EXO_PTE_NX);
	if (r < 0)
		return r;
	r = exo_set_upcalls(EXO_CAP_SELF, (const void *)exos_xentry, EXOS_XSTACK_LO, EXOS_XSTACK_HI,
	                    upcall_events);
	if (r < 0)
		return r;
	initialized = 1;
	return 0;
}

long exos_set_upcall_events(unsigned events)
{
	long r;

	if (!initialized) { /* one registration, with the events */
		upcall_events = events;
		if ((r = exos_exceptions_init()) < 0)
			upcall_events = 0;
		return r;
	}
	r = exo_set_upcalls(EXO_CAP_SELF, (const void *)exos_xentry, EXOS_XSTACK_LO, EXOS_XSTACK_HI,
	                    events);
	if (r == 0)
		upcall_events = events;
	return r;
}

/* A spawned environment starts with the parent's memory image but none of its
 * kernel state: forget the registration (libos/env.c). */
void exos_exceptions_forget(void)
{
	initialized = 0;
	upcall_events = 0;
	exos_exception_depth = 0;
	for (int i = 0; i < EXO_NVECTORS; i++)
		handlers[i] = 0;
}

/* A forked environment (libos/linux/fork.c) has our handlers in its copy of
 * our memory but no registration with the kernel: register the same. */
long exos_exceptions_rebind(void)
{
	/* Registered before anything is written: a fork's child shares our
	 * memory copy-on-write, and its first write faults. */
	long r = 0;
	if (initialized)
		r = exo_set_upcalls(EXO_CAP_SELF, (const void *)exos_xentry, EXOS_XSTACK_LO,
		                    EXOS_XSTACK_HI, upcall_events);
	exos_exception_depth = 0;
	return r;
}

/* Under exosim --gdb the debugger stops where the exception happened, with
 * the registers the frame and the stub saved, before the process dies, as the
 * Linux personality does for a core-dumping signal (exo_debug_signal). */
__attribute__((noinline)) static void report_to_debugger(const struct exo_xframe *f,
                                                         const struct exos_regs *r, int sig)
{
	if (!(exo_kinfo()->flags & EXO_KINFO_GDB))
		return;
	struct exo_regs regs = {.rax = f->rax,
	                        .rbx = r->rbx,
	                        .rcx = f->rcx,
	                        .rdx = f->rdx,
	                        .rsi = r->rsi,
	                        .rdi = r->rdi,
	                        .rbp = r->rbp,
	                        .rsp = f->rsp,
	                        .r8 = r->r8,
	                        .r9 = r->r9,
	                        .r10 = r->r10,
	                        .r11 = r->r11,
	                        .r12 = r->r12,
	                        .r13 = r->r13,
	                        .r14 = r->r14,
	                        .r15 = r->r15,
	                        .rip = f->rip,
	                        .rflags = f->rflags};
	exo_debug_signal(&regs, sig, f->vector == 14 ? f->addr : 0);
}

/* Out of line, as report_to_debugger: the dispatcher's own frame is paid at
 * every nesting level of the exception stack, and a handler that faults
 * without end (tests/guest/bad_xstack.c) must reach xstack_lo in frames the
 * kernel can still see as nested. */
__attribute__((noinline)) static _Noreturn void unhandled(const struct exo_xframe *f,
                                                          const struct exos_regs *r)
{
	const volatile struct exo_env_info *e = exos_env_info(exos_self_id());
	char name[sizeof(e->name) + 1];

	for (size_t i = 0; i < sizeof(e->name); i++)
		name[i] = e->name[i];
	name[sizeof(e->name)] = 0;
	if (f->vector == 14)
		fprintf(stderr,
		        "exos: env %u (%s) killed: page fault at rip 0x%lx: address 0x%lx (%s, "
		        "%s)\n",
		        exos_self_id(), name, (unsigned long)f->rip, (unsigned long)f->addr,
		        f->err & 0x10 ? "exec"
		        : f->err & 2  ? "write"
		                      : "read",
		        f->err & 1 ? "protection" : "not present");
	else
		fprintf(stderr, "exos: env %u (%s) killed: %s at rip 0x%lx (error code 0x%lx)\n",
		        exos_self_id(), name, exos_exception_name(f->vector), (unsigned long)f->rip,
		        (unsigned long)f->err);
	/* A Unix program's death by signal (lib/unix_status.h); SIGSEGV for an
	 * upcall nobody took. */
	int sig = unix_signal_of_vector((unsigned)f->vector);
	report_to_debugger(f, r, sig);
	exit(UNIX_STATUS_SIGNALED(sig));
}

void exos_exception_dispatch(struct exo_xframe *f, struct exos_regs *r)
{
	uint64_t v = f->vector;
	int done = 0;

	exos_exception_depth++;
	exos_exception_count++;
	if (v == 14 && exos_vm_fault_served(f))
		done = 1; /* served since it was raised: the access runs again */
	/* A prologue on top of a copy-on-write fault being served (the kernel
	 * sends one after every switch, even in a critical section): dropped,
	 * as a tick is not sent there, so that its handler writes nothing
	 * (vm.c's cow_fault says why); an epilogue, sent once a critical section
	 * has run too long, is answered. */
	if (!done && exos_private_page.v.cow_busy &&
	    (v == EXO_VEC_PROLOGUE || v == EXO_VEC_EPILOGUE)) {
		if (v == EXO_VEC_EPILOGUE)
			exo_yield();
		done = 1;
	}
	if (!done && v < EXO_NVECTORS && handlers[v])
		done = handlers[v](f, r);
	if (!done && v == 14)
		done = exos_vm_fault(f, r);
	if (!done && v >= 32)
		done = exos_sched_upcall(f); /* the default CPU and memory policy */
	if (!done)
		unhandled(f, r);
	exos_exception_depth--;
}
