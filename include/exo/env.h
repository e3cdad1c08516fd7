/* Environments as the kernel exports them: the table at EXO_ENVS, read-only
 * in every environment, and the register state EXO_SYS_ENV_SET_REGS takes. */
#ifndef EXO_ENV_H
#define EXO_ENV_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define EXO_NENV 64

/* struct exo_env_info.state */
#define EXO_ENV_FREE     0 /* slot unused */
#define EXO_ENV_CREATED  1 /* has an address space, not started */
#define EXO_ENV_RUNNABLE 2
#define EXO_ENV_EXITED   3 /* status is valid; resources are gone */
#define EXO_ENV_SLEEPING 4 /* waiting for its wakeup predicate (pred.h) */
#define EXO_ENV_BLOCKED  5 /* waiting for a PCT reply from env `waiting_for` */

#ifndef __ASSEMBLER__
struct exo_env_info {
	uint32_t id;     /* unique for the life of the machine; slot = id % EXO_NENV */
	uint32_t state;  /* EXO_ENV_* */
	uint32_t parent; /* creator's id, 0 for the first environment */
	int32_t status;  /* exit status once EXITED */
	uint64_t pages;  /* pages it owns through page capabilities (not its page tables) */
	uint64_t handler, xstack_lo, xstack_hi; /* exception upcall (trap.h) */
	uint32_t events;                        /* upcalls besides exceptions: EXO_EV_* (sched.h) */
	uint32_t nslices;                       /* time slices it owns */
	uint64_t pct_entry;                     /* protected-control-transfer entry, 0 if none */
	uint32_t waiting_for;                   /* BLOCKED: the callee's id */
	uint32_t in_pct;    /* caller id while it runs a PCT activation, else 0 */
	uint64_t cpu_ticks; /* ticks it was running when the timer fired */
	char name[32];
};

/* The registers EXO_SYS_ENV_SET_REGS sets; rflags is masked to the
 * arithmetic flags. */
struct exo_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};
#endif

#endif
