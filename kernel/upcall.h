/* Exception upcalls: where the running environment's handler and exception
 * stack are, for entry.S's fast path. */
#ifndef KERNEL_UPCALL_H
#define KERNEL_UPCALL_H

#include <stdint.h>

struct env;

extern uint64_t upcall_handler, upcall_xstack_lo, upcall_xstack_hi;
extern char upcall_store_begin[], upcall_store_end[];

void upcall_load(const struct env *e); /* on every switch to e */
long sys_set_handler(uint64_t env_cap, uint64_t handler, uint64_t lo, uint64_t hi);

#endif
