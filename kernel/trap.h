/* Traps: the saved user state and exception dispatch. */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

/* Offsets in struct trapframe, for entry.S (checked in trap.c). */
#define TF_R15    0
#define TF_R14    8
#define TF_R13    16
#define TF_R12    24
#define TF_RBP    64
#define TF_RBX    104
#define TF_VECTOR 120

/* PV_GDB_PORT (include/hw/exosim_pv.h, not for assembly; checked in trap.c). */
#define GDB_AGENT_PORT 0x720

/* trapframe.vector of a bare `syscall` that entry.S's fast path hands to trap()
 * because the environment may want it reflected (EXO_EV_SYSCALL). */
#define T_SYSCALL_REFLECT 0x100

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Layout fixed by entry.S: general registers, then vector and error code, then
 * the frame the CPU pushes. */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, err;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Bits every ring-3 RFLAGS has: bit 1 and IF (the timer preempts ring 3; the
 * kernel itself always runs with interrupts off). */
#define USER_RFLAGS_FIXED 0x202

_Noreturn void trap_return(const struct trapframe *tf); /* entry.S: resume tf */
void trap(struct trapframe *tf);                        /* called by entry.S */

/* exosim --gdb is debugging: ring-3 #BP and #DB, and exceptions that end an
 * environment, are first reported at PV_GDB_PORT (entry.S, trap.c). */
extern uint8_t gdb_agent_on;
/* gdb_agent.c: tells exosim where the environments are (gdb's threads) and
 * sets EXO_KINFO_GDB; EXO_SYS_DEBUG_SIGNAL. */
void gdb_agent_init(void);
long sys_debug_signal(uint64_t regs, uint64_t sig, uint64_t addr);

/* cpu.c */
void cpu_init(void);
/* IDT vector `vector` enters dev_irq(i) (virtio.h) through entry.S's stub i. */
void cpu_set_irq(uint8_t vector, unsigned i);
/* IDT vector `vector` enters entry.S's irq_console_entry (console_irq). */
void cpu_set_console_irq(uint8_t vector);
extern bool cpu_fsgsbase; /* ring 3 may write its FS and GS bases (cpu.c) */

/* Saves the calling environment's user state after a fast-path system call
 * (the *_saving stubs in entry.S have stored the callee-saved registers), so it can be
 * switched away from and later resumed with the call returning 0. */
struct env;
void syscall_save_state(struct env *e);
extern struct trapframe *fault_syscall_tf;
#endif

#endif
