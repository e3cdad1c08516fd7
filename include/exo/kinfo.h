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

/* exo_kinfo.boot_tsc[i]: the TSC when the kernel's boot phase i ended (the
 * first began at tsc_boot, kmain's entry).  Kept always (an rdtsc each), printed
 * with exo.stats as one `exosim-stats: boot_us` line (docs/boot.md). */
#define EXO_BOOT_CMDLINE 0 /* the console, the command line */
#define EXO_BOOT_CPU     1 /* GDT, IDT, TSS, syscall MSRs, FPU */
#define EXO_BOOT_MEMORY  2 /* the memory map, the page-info table */
#define EXO_BOOT_TABLES  3 /* capabilities, gate, console ring, environments, scheduler */
#define EXO_BOOT_LAPIC   4 /* the timer */
#define EXO_BOOT_ENV     5 /* the initramfs exported, the first program found, its env */
#define EXO_BOOT_LOAD    6 /* the first program's segments and stack mapped */
#define EXO_BOOT_NPHASES 7

/* exo_kinfo.flags */
#define EXO_KINFO_STATS 1 /* exo.stats: a libOS may pass its start-up marks at exit */
#define EXO_KINFO_FSGSBASE                                                                         \
	2 /* ring 3 may set its own FS and GS bases (wrfsbase,                                     \
	     wrgsbase); the kernel keeps them per environment */
#define EXO_KINFO_CONSOLE_ASYNC                                                                    \
	4 /* console input arrives by itself (console.h): readers sleep on the                     \
	     ring's `posted` word; CONSOLE_FILL only kicks */
#define EXO_KINFO_GDB                                                                              \
	8 /* exosim --gdb is listening (exo.gdb=1): a libOS reports a death by signal              \
	     first (EXO_SYS_DEBUG_SIGNAL) */

/* A libOS's start-up marks, the TSC at each point (0: not reached), which
 * EXO_SYS_EXIT may pass for the kernel to print with its own (syscall.h). */
#define EXO_MARK_START   0 /* the runtime's first instruction (crt0's _start) */
#define EXO_MARK_MAIN    1 /* main() called: the arguments are laid out */
#define EXO_MARK_PROGRAM 2 /* a personality's program entered (ExOS: the Linux program) */
#define EXO_NMARKS       3

#ifndef __ASSEMBLER__
#include <stdint.h>

#include <exo/disk.h>
#include <exo/net.h>
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
	uint64_t boot_tsc[EXO_BOOT_NPHASES]; /* the TSC at the end of each boot phase */
	uint64_t flags;                      /* EXO_KINFO_* */
	/* Disks (disk.h): disk[0 .. ndisks) in the order of the command line. */
	uint32_t ndisks;
	uint32_t pad;
	uint64_t disk_irqs; /* device interrupts taken so far */
	struct exo_disk_info disk[EXO_DISK_MAX];
	/* NICs (net.h): nic[0 .. nnics) in the order of the command line. */
	uint32_t nnics;
	uint32_t pad2;
	struct exo_nic_info nic[EXO_NIC_MAX];
	/* Device interrupts that woke an environment and gave it the CPU at once, away
	 * from the one they interrupted (sched.h: wake-up preemption). */
	uint64_t irq_switches;
	/* Wakeup predicates (pred.h): sleepers woken, and predicates translated again
	 * because a mapping of their environment went away (or were installed). */
	uint64_t wakeups;
	uint64_t pred_compiles;
	/* Waits that kept the compiled form of the last predicate (the same words,
	 * new constants), and sleepers woken and run at once because a wait named
	 * them (EXO_SYS_WAIT_FOR). */
	uint64_t pred_reuses;
	uint64_t directed_wakeups;
};
#endif

#endif
