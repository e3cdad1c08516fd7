/* The CPU as the kernel exports it: a vector of time slices, the upcalls that
 * make CPU revocation visible, protected control transfer, and the per-
 * environment u-area the libOS and the kernel share.
 *
 * Time slices.  The CPU is EXO_NSLICES slices, each one timer tick long,
 * scheduled round robin by position (kinfo.slice_owner[], kinfo.slice_pos).
 * EXO_SYS_SLICE_ALLOC(env_cap, pos) gives the environment env_cap names the
 * slice at pos, or the first free one (EXO_SLICE_ANY), and returns a
 * capability (EXO_CAP_SLICE) for it in the caller's table; releasing or
 * revoking the capability frees the slice.  ENV_START gives an environment
 * that holds no slice the first free one, unless asked not to
 * (EXO_START_NO_SLICE).  A slice whose owner cannot run is skipped; when no
 * slice owner can run, any runnable environment gets the CPU; when none can,
 * the kernel halts until the next interrupt.
 *
 * Visible CPU revocation.  An environment that asks for them (SET_HANDLER's
 * events) is told through its exception handler, with these vectors:
 *   EXO_VEC_PROLOGUE  a slice of its begins (err = slice position);
 *   EXO_VEC_EPILOGUE  its slice has ended: save state and yield within
 *                     kinfo.grace_ticks ticks.  If it does not, the kernel
 *                     preempts it and it forfeits its next slice.
 *   EXO_VEC_RECLAIM   the kernel wants err pages back (see struct exo_uarea).
 * The frame is a struct exo_xframe as for an exception; resuming it returns
 * to the interrupted code.  An environment without these events is switched
 * by the kernel, invisibly.  No upcall is pushed into a PCT activation (it
 * runs on its own stack, and the exception stack may hold a frame of the
 * main context): a pending prologue waits for the main context.
 *
 * Robust critical sections.  While uarea.critical is nonzero the kernel
 * defers the epilogue, one tick at a time, for at most
 * kinfo.critical_max_ticks ticks in a row, and counts each deferral in
 * uarea.deferred; a libOS leaving its critical section yields if that is
 * nonzero.  After the bound the epilogue comes anyway.
 *
 * Protected control transfer (EXO_SYS_PCT).  The caller names the callee
 * with an EXO_CAP_ENV capability carrying EXO_RIGHT_CALL.  The kernel
 * switches to the callee's address space and enters it at the entry it
 * registered with EXO_SYS_PCT_ENTRY, on its PCT stack, with
 *   rdi = caller's env id (set by the kernel: unforgeable),
 *   rsi = kind (EXO_PCT_CALL or EXO_PCT_SEND),
 *   rdx, rcx, r8, r9 = the four argument words,
 * i.e. a C function entry(caller, kind, a0, a1, a2, a3) that never returns.
 * The callee runs in an activation: its own saved state is untouched, and it
 * takes one call at a time (a busy callee gives -EXO_EBUSY).  The rest of the
 * caller's slice goes with the call.
 *   EXO_PCT_CALL   synchronous: the caller waits.  The callee ends the
 *                  activation with EXO_PCT_REPLY and four result words; the
 *                  caller resumes with rax = 0 and the results in rdx, rcx,
 *                  r8, r9 (or rax = -EXO_EPIPE if the callee died).
 *   EXO_PCT_SEND   asynchronous: the caller stays runnable; the callee ends
 *                  the activation with EXO_PCT_DONE.
 * REPLY and DONE ignore env_cap and return only on error (DONE in a
 * synchronous activation is one: -EXO_EINVAL).  A REPLY whose caller has died
 * ends the activation as DONE does. */
#ifndef EXO_SCHED_H
#define EXO_SCHED_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define EXO_NSLICES   64
#define EXO_SLICE_ANY (~0ul) /* SLICE_ALLOC: the first free position */

/* ENV_START flags */
#define EXO_START_NO_SLICE 0x1

/* Upcall vectors, after the 32 exception vectors. */
#define EXO_VEC_PROLOGUE 32
#define EXO_VEC_EPILOGUE 33
#define EXO_VEC_RECLAIM  34
#define EXO_VEC_SYSCALL  35 /* a bare `syscall` that is not an exokernel call (trap.h) */
#define EXO_NVECTORS     36

/* SET_HANDLER events: which upcalls besides exceptions the handler wants. */
#define EXO_EV_PROLOGUE 0x1
#define EXO_EV_EPILOGUE 0x2
#define EXO_EV_RECLAIM  0x4
#define EXO_EV_SYSCALL  0x8 /* reflect bare `syscall`s: see EXO_VEC_SYSCALL */
/* A prologue upcall at every tick it keeps the CPU through (it runs on into
 * its own next slice, or nobody else wants the CPU): a libOS that multiplexes
 * threads of its own preempts them there.  Not sent while uarea.critical. */
#define EXO_EV_TICK 0x10
/* A prologue upcall when it gets the CPU back after the kernel took it away
 * (a tick ended its slice), not after it yielded, waited or called: a libOS
 * takes there what others sent it while it ran in its program's code (ExOS
 * delivers Linux signals from other processes). */
#define EXO_EV_RESUME 0x20
#define EXO_EV_ALL    0x3f

/* EXO_SYS_PCT kinds */
#define EXO_PCT_CALL  1
#define EXO_PCT_SEND  2
#define EXO_PCT_REPLY 3
#define EXO_PCT_DONE  4

/* Where every environment's u-area is mapped (the page below the exported
 * region); the kernel maps it at creation. */
#define EXO_UAREA 0x7e7ffffff000ul

/* Entries in the repossession vector. */
#define EXO_REPOSSESS_MAX 120

#ifndef __ASSEMBLER__
struct exo_repossessed {
	uint64_t va;  /* where it was mapped in the revocable range */
	uint64_t pfn; /* the frame the kernel took (with the whole run its
	                 capability named: the run's other mappings went too) */
};

/* One page per environment, writable by it; the kernel reads the libOS's
 * fields without trusting them. */
struct exo_uarea {
	/* Written by the libOS. */
	volatile uint32_t critical; /* nonzero: inside a critical section */
	uint32_t pad0;
	volatile uint64_t revocable_lo; /* [lo, hi): where the kernel may take */
	volatile uint64_t revocable_hi; /*   pages back by force */
	/* Written by the kernel. */
	volatile uint64_t deferred;  /* epilogues deferred; the libOS clears it */
	volatile uint64_t forfeited; /* slices lost for overrunning the grace period */
	volatile uint64_t prologues, epilogues;
	volatile uint64_t reclaim_request;  /* pages wanted back; 0 when none is pending */
	volatile uint64_t reclaim_deadline; /* kinfo.ticks by which to give them */
	/* The repossession vector: pages taken by force.  The kernel appends and
	 * counts; the libOS reads and may reset nrepossessed to 0.  Entries that
	 * did not fit are counted in lost. */
	volatile uint32_t nrepossessed;
	volatile uint32_t lost;
	struct exo_repossessed repossessed[EXO_REPOSSESS_MAX];
};
_Static_assert(sizeof(struct exo_uarea) <= 4096, "u-area is one page");
#endif

#endif
