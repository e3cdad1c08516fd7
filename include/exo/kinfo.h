/* The kernel info page, mapped read-only at EXO_KINFO in every environment.
 * A libOS reads it without entering the kernel. */
#ifndef EXO_KINFO_H
#define EXO_KINFO_H

/* How the gate enters the kernel on this machine. */
#define EXO_ENTRY_SYSCALL 1 /* the `syscall` instruction reaches ring 0 */
#define EXO_ENTRY_INT3    2 /* fallback: a breakpoint trap (KVM on PVM) */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct exo_kinfo {
	uint32_t version;
	uint32_t entry_method; /* EXO_ENTRY_*; 0 until the first call */
	uint64_t tsc_khz;      /* 0 if unknown */
	uint64_t syscalls;     /* kernel crossings served so far */
	uint64_t upcalls;      /* exceptions delivered to handlers so far */
	uint64_t npages;       /* entries in the page-info table (EXO_PAGES) */
	uint32_t cur_env;      /* id of the running environment */
	uint32_t reserved;
};
#endif

#endif
