/* The kernel info page, mapped read-only at EXO_KINFO in every environment.
 * A libOS reads it without entering the kernel. */
#ifndef EXO_KINFO_H
#define EXO_KINFO_H

/* How the gate enters the kernel on this machine. */
#define EXO_ENTRY_SYSCALL 1 /* the `syscall` instruction reaches ring 0 */
#define EXO_ENTRY_INT3    2 /* fallback: a breakpoint trap (KVM on PVM) */

/* exo_kinfo.timer */
#define EXO_TIMER_X2APIC 1 /* LAPIC timer, periodic, through x2APIC MSRs */
#define EXO_TIMER_XAPIC  2 /* the same through the memory-mapped xAPIC (QEMU TCG) */

#ifndef __ASSEMBLER__
#include <stdint.h>

#include <exo/sched.h>

struct exo_kinfo {
	uint32_t version;
	uint32_t entry_method; /* EXO_ENTRY_*; 0 until the first call */
	uint64_t tsc_khz;      /* 0 if unknown */
	uint64_t syscalls;     /* kernel crossings served so far */
	uint64_t upcalls;      /* exceptions delivered to handlers so far */
	uint64_t npages;       /* entries in the page-info table (EXO_PAGES) */
	uint32_t cur_env;      /* id of the running environment */
	uint32_t timer;        /* EXO_TIMER_*: how the kernel keeps time slices */
	uint64_t tsc_boot;     /* TSC at boot: ns since boot = (rdtsc - tsc_boot) * 1e6 / tsc_khz */
	uint64_t tick_ns;      /* length of a timer tick */
	uint64_t ticks;        /* timer ticks so far */
	/* The CPU (sched.h). */
	uint32_t grace_ticks;              /* after an epilogue, ticks left to yield */
	uint32_t critical_max_ticks;       /* the longest a critical section defers it */
	uint32_t slice_pos;                /* the slice being run */
	uint32_t nslices;                  /* EXO_NSLICES */
	uint32_t slice_owner[EXO_NSLICES]; /* env id per position, 0 if free */
	uint64_t idle_halts;               /* times the kernel halted with nothing to run */
	uint64_t pcts;                     /* protected control transfers */
	uint64_t free_pages;               /* pages free in the allocator */
	uint64_t initrd_size;              /* bytes of the initramfs at EXO_INITRD */
	uint64_t epoch_ns; /* wall-clock time at tsc_boot, ns since 1970 (0 if unknown) */
	uint64_t reclaim_grace_ticks; /* a reclaim request's grace period (exo.reclaim_grace) */
	uint64_t console_in_size;     /* bytes of the console input ring (console.h), 0 if none */
	uint64_t ram_pages; /* frames the allocator had at boot: the RAM environments share
	                       (npages also counts holes and the kernel's own) */
};
#endif

#endif
