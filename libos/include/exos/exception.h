/* Exception upcalls in the libOS (kernel contract: include/exo/trap.h).
 *
 * exos_exceptions_init() maps the exception stack, [EXOS_XSTACK_LO,
 * EXOS_XSTACK_HI), and registers the entry stub (libos/xentry.S) with
 * EXO_SYS_SET_HANDLER.  On an exception the stub saves the registers the
 * kernel left alone (struct exos_regs) below the kernel's frame (struct
 * exo_xframe) and calls the handler registered for the vector; then the
 * built-in policy (the page-fault handler of libos/vm.c for #PF).  A handler
 * returns nonzero when it handled the exception; it may edit the frame and the
 * registers (e.g. f->rip += 2 to skip a ud2).  The stub then resumes the
 * interrupted code without entering the kernel.  Unhandled: a diagnostic like
 * the kernel's on stderr and exit(128 + the signal Linux would send:
 * lib/unix_status.h), the status a shell shows for a program killed so.
 *
 * Handlers run on the exception stack and may fault themselves (nested faults:
 * the kernel puts the new frame EXO_XFRAME_GAP below the interrupted rsp). */
#ifndef EXOS_EXCEPTION_H
#define EXOS_EXCEPTION_H

#include <stdint.h>

#include <exos/sys.h>

/* The exception stack: 4 pages at a fixed address just below the libOS's
 * other fixed regions (see docs/libos.md, "Address space"). */
#define EXOS_XSTACK_PAGES 4
#define EXOS_XSTACK_LO    EXO_UL(0x7d0000000000)
#define EXOS_XSTACK_HI    (EXOS_XSTACK_LO + EXOS_XSTACK_PAGES * EXO_PAGE_SIZE)

/* The registers the kernel does not put in the frame, as the stub saves them
 * (directly below the frame).  Writes take effect on resume. */
struct exos_regs {
	uint64_t rbx, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
#define EXOS_REGS_SIZE 96

/* Returns nonzero if it handled the exception. */
typedef int (*exos_exception_handler)(struct exo_xframe *f, struct exos_regs *r);

/* Maps the exception stack and registers the stub; idempotent.  Returns 0 or
 * the failing call's -EXO_E*. */
long exos_exceptions_init(void);

/* Installs fn for vector (0..31, or an upcall vector EXO_VEC_* up to
 * EXO_NVECTORS; NULL removes it); returns the previous one, so handlers can
 * chain.  Upcalls a handler does not take get ExOS's default policy
 * (<exos/sched.h>). */
exos_exception_handler exos_set_exception_handler(int vector, exos_exception_handler fn);

/* Registers the upcall events (EXO_EV_*, include/exo/sched.h) the handler
 * wants besides exceptions; initialises exceptions if needed. */
long exos_set_upcall_events(unsigned events);

/* Called by the stub (not by programs). */
void exos_exception_dispatch(struct exo_xframe *f, struct exos_regs *r);

/* Exceptions handled so far, and the current nesting depth (1 inside a
 * handler, 2 inside a handler of a fault in a handler, ...).  They are
 * written before a fault is served, so they live on a page of their own that
 * a fork never shares copy-on-write (the child gets a fresh one,
 * libos/linux/fork.c): a write there must not fault. */
union exos_private_page {
	struct {
		volatile uint64_t exception_count;
		volatile int exception_depth;
		/* vm.c's copy-on-write frames: a 2 MiB run at EXOS_COW_WIN */
		struct {
			int32_t cap1; /* its slot + 1; 0: none */
			uint32_t used;
			uint64_t pfn;
		} cow;
		volatile uint32_t cow_busy; /* serving a copy-on-write fault */
	} v;
	char page[EXO_PAGE_SIZE];
};
extern union exos_private_page exos_private_page;
#define exos_exception_count (exos_private_page.v.exception_count)
#define exos_exception_depth (exos_private_page.v.exception_depth)

/* The entry stub (xentry.S). */
void exos_xentry(void);

/* A name for an exception or upcall vector ("page fault"). */
const char *exos_exception_name(uint64_t vector);

#endif
