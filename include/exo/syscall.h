/* The exokernel system-call ABI, shared by the kernel and every libOS.
 *
 * Convention (Linux-like, so a libOS can forward registers untouched):
 *   rax = call number, arguments in rdi, rsi, rdx, r10, r8, r9,
 *   result in rax: >= 0 on success, -EXO_E* on failure.
 * A call clobbers rcx and r11 (as the `syscall` instruction does) and the
 * other caller-saved registers of the SysV ABI (rdi, rsi, rdx, r8, r9, r10);
 * it preserves rbx, rbp, rsp and r12-r15.
 *
 * How to enter the kernel: call the gate at EXO_GATE_SYSCALL (see
 * memlayout.h).  The kernel writes the fastest entry instruction that works
 * on this machine into the gate: `syscall` on VT-x KVM and QEMU, a trapping
 * fallback where `syscall` does not reach ring 0 (KVM on PVM).  A bare
 * `syscall` instruction also works everywhere, only more slowly on PVM. */
#ifndef EXO_SYSCALL_H
#define EXO_SYSCALL_H

#define EXO_SYS_NULL          0 /* () -> 0; for measuring a crossing */
#define EXO_SYS_CONSOLE_WRITE 1 /* (int stream, const void *buf, size_t len) -> len */
#define EXO_SYS_EXIT          2 /* (int status) -> does not return */
#define EXO_NSYSCALLS         3

/* Streams for EXO_SYS_CONSOLE_WRITE. */
#define EXO_STDOUT 1
#define EXO_STDERR 2

/* The largest buffer one console write accepts; longer writes are split by
 * the caller (the libOS), so the kernel path stays bounded. */
#define EXO_CONSOLE_WRITE_MAX (64u * 1024u)

#endif
