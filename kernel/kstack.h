/* The kernel's stacks (boot.S): one 16 KiB stack for every kernel path and
 * one page for double faults, each above a guard page that start64 unmaps,
 * so an overflow faults at once (a double fault, whose handler runs on its
 * own stack) instead of silently overwriting what lies below. */
#ifndef KERNEL_KSTACK_H
#define KERNEL_KSTACK_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/memlayout.h>

extern char boot_stack_guard[], boot_stack_top[], df_stack_guard[], df_stack_top[];

/* va lies in a guard page: the fault at va is a kernel stack overflow. */
static inline bool kstack_guard_hit(uint64_t va)
{
	return (va - (uint64_t)boot_stack_guard < EXO_PAGE_SIZE) ||
	       (va - (uint64_t)df_stack_guard < EXO_PAGE_SIZE);
}

#endif
