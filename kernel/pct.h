/* Protected control transfer (include/exo/sched.h). */
#ifndef KERNEL_PCT_H
#define KERNEL_PCT_H

#include <stdint.h>

struct env;

/* e died: every environment blocked in a call to it resumes with -EXO_EPIPE. */
void pct_callee_died(struct env *e);

long sys_pct(uint64_t env_cap, uint64_t kind, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
long sys_pct_entry(uint64_t env_cap, uint64_t entry, uint64_t stack_top);

#endif
