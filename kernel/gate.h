/* The syscall gate: a page of code mapped at EXO_GATE_SYSCALL in every
 * environment.  Both variants return through the `ret` at GATE_RET so the kernel
 * can switch variants while a call is in flight. */
#ifndef KERNEL_GATE_H
#define KERNEL_GATE_H

#define GATE_RET 2 /* offset of `ret` in both variants */
/* `syscall; ret` = 0f 05 c3.  `nop; int3; ret` = 90 cc c3: the breakpoint
 * trap's saved RIP is then EXO_GATE_SYSCALL + GATE_RET. */
#define GATE_INT3_RESUME       GATE_RET
#define GATE_SYSCALL_RESUME    GATE_RET /* RCX after the gate's `syscall` */
#define KINFO_OFF_ENTRY_METHOD 4
#define KINFO_OFF_SYSCALLS     16
#define KINFO_OFF_UPCALLS      24

#ifndef __ASSEMBLER__
#include <exo/kinfo.h>
#include <stdint.h>
extern uint8_t gate_page[4096];
extern struct exo_kinfo kinfo_page;
void gate_init(void);
void gate_use_int3(void);
#endif

#endif
