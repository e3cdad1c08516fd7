/* Exception upcalls: where the running environment's handler and exception
 * stack are, for entry.S's fast path. */
#ifndef KERNEL_UPCALL_H
#define KERNEL_UPCALL_H

#include <stdint.h>

struct env;

extern uint64_t upcall_handler, upcall_xstack_lo, upcall_xstack_hi;
extern uint8_t syscall_reflect_on; /* entry.S: the running env has EXO_EV_SYSCALL */
extern char upcall_store_begin[], upcall_store_end[];

struct trapframe;

void upcall_load(const struct env *e); /* on every switch to e */
/* Writes an upcall frame for `vector` (err in the frame's error field) on e's
 * exception stack over context tf, and points tf at the handler.  0, or
 * -EXO_EINVAL (no handler), -EXO_ENOSPC (overflow), -EXO_EFAULT (exception
 * stack not mapped writable). */
int upcall_push(struct env *e, struct trapframe *tf, uint64_t vector, uint64_t err);
long sys_set_handler(uint64_t env_cap, uint64_t handler, uint64_t lo, uint64_t hi, uint64_t events);

#endif
