/* Exception upcalls.  An environment registers a handler and an exception stack
 * [xstack_lo, xstack_hi) with EXO_SYS_SET_HANDLER.  On an exception in ring 3
 * the kernel writes a struct exo_xframe on the exception stack and jumps to the
 * handler with rsp pointing at it; every register not in the frame still holds
 * its value from the moment of the fault.  The handler resumes the interrupted
 * context itself, without entering the kernel.
 *
 * A fault while already on the exception stack (a nested fault) gets a new frame
 * EXO_XFRAME_GAP bytes below the interrupted rsp.  A frame that would fall below
 * xstack_lo, or an exception stack that is not mapped writable, kills the
 * environment, as does an exception with no handler registered.  So does an
 * exception whose rsp lies in the page below xstack_lo, the exception stack's
 * guard: a handler's own frames ran past the bottom, and a frame at the top
 * would overwrite the live ones below it (a libOS keeps no other stack there).
 *
 * Resuming: restore the registers from the frame, then continue at rip with rsp
 * and rflags.  The libOS does it with `ret $128` from EXO_XFRAME_GAP... see
 * libos/; any sequence that does not touch the interrupted stack's 128-byte red
 * zone will do. */
#ifndef EXO_TRAP_H
#define EXO_TRAP_H

/* Offsets in struct exo_xframe, for assembly. */
#define EXO_XF_VECTOR 0
#define EXO_XF_ERR    8
#define EXO_XF_ADDR   16 /* cr2: the faulting address, for a page fault */
#define EXO_XF_RIP    24
#define EXO_XF_RFLAGS 32
#define EXO_XF_RSP    40
#define EXO_XF_RAX    48
#define EXO_XF_RCX    56
#define EXO_XF_RDX    64
#define EXO_XF_SIZE   80 /* 16-byte multiple */

/* Below the interrupted rsp: its red zone (128) plus room for a resume slot. */
#define EXO_XFRAME_GAP 160

#ifndef __ASSEMBLER__
#include <stdint.h>

struct exo_xframe {
	uint64_t vector; /* 0..31 */
	uint64_t err;    /* error code, or 0 */
	uint64_t addr;   /* fault address (page faults) */
	uint64_t rip, rflags, rsp;
	uint64_t rax, rcx, rdx; /* the registers the kernel needed to get here */
	uint64_t pad;
};
_Static_assert(sizeof(struct exo_xframe) == EXO_XF_SIZE, "exo_xframe layout");
#endif

#endif
