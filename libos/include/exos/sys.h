/* Wrappers for the exokernel calls (include/exo/syscall.h).
 *
 * Two ways into the kernel:
 *  - exo_syscall*(): call the gate at EXO_GATE_SYSCALL.  The kernel writes the
 *    fastest entry that works on this machine into it.  This is the normal path.
 *  - exo_syscall_raw*(): a bare `syscall` instruction.  The kernel accepts it
 *    everywhere, but it is slower where `syscall` does not reach ring 0 (KVM on
 *    PVM).  Used by tests to prove both entry paths.
 *
 * Register convention: rax = number, arguments in rdi rsi rdx r10 r8 r9,
 * result in rax (>= 0 success, -EXO_E* failure); rcx r11 rdi rsi rdx r8 r9 r10
 * are clobbered.  User code is built with -mno-red-zone, so the `call` pushing
 * a return address below rsp from inside inline asm is safe. */
#ifndef EXOS_SYS_H
#define EXOS_SYS_H

#include <stddef.h>
#include <stdint.h>

#include <exo/errno.h>
#include <exo/kinfo.h>
#include <exo/memlayout.h>
#include <exo/status.h>
#include <exo/syscall.h>

static inline long exo_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	/* The gate is loaded into a register the call does not clobber (the
	 * compiler can only pick rbx, rbp or r12-r15 here). */
	__asm__ volatile("call *%[gate]"
	                 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8), "+r"(r9)
	                 : "0"(nr), [gate] "r"(EXO_GATE_SYSCALL)
	                 : "rcx", "r11", "memory", "cc");
	return ret;
}

static inline long exo_syscall_raw6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
	                 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8), "+r"(r9)
	                 : "0"(nr)
	                 : "rcx", "r11", "memory", "cc");
	return ret;
}

static inline long exo_syscall0(long nr)
{
	return exo_syscall6(nr, 0, 0, 0, 0, 0, 0);
}

static inline long exo_syscall1(long nr, long a1)
{
	return exo_syscall6(nr, a1, 0, 0, 0, 0, 0);
}

static inline long exo_syscall3(long nr, long a1, long a2, long a3)
{
	return exo_syscall6(nr, a1, a2, a3, 0, 0, 0);
}

static inline long exo_syscall_raw0(long nr)
{
	return exo_syscall_raw6(nr, 0, 0, 0, 0, 0, 0);
}

static inline long exo_syscall_raw1(long nr, long a1)
{
	return exo_syscall_raw6(nr, a1, 0, 0, 0, 0, 0);
}

static inline long exo_syscall_raw3(long nr, long a1, long a2, long a3)
{
	return exo_syscall_raw6(nr, a1, a2, a3, 0, 0, 0);
}

/* EXO_SYS_NULL: one kernel crossing that does nothing; returns 0. */
static inline long exo_null(void)
{
	return exo_syscall0(EXO_SYS_NULL);
}

/* EXO_SYS_CONSOLE_WRITE: one crossing; len <= EXO_CONSOLE_WRITE_MAX.
 * Returns the number of bytes written, or -EXO_EFAULT / -EXO_EINVAL. */
static inline long exo_console_write(int stream, const void *buf, size_t len)
{
	return exo_syscall3(EXO_SYS_CONSOLE_WRITE, stream, (long)buf, (long)len);
}

/* EXO_SYS_EXIT: returns only if the kernel refuses the status (a status
 * exosim reserves, EXO_STATUS_RESERVED_LO..HI, or one outside 0..255), with
 * -EXO_EINVAL.  Does not flush stdio: see exit() in <stdlib.h>. */
static inline long exo_exit_status(int status)
{
	return exo_syscall1(EXO_SYS_EXIT, status);
}

/* Ends the environment with `status`.  If the kernel refuses it, falls back
 * to status 1; should that fail too, executes ud2 (the kernel then kills the
 * environment, status 132).  Does not flush stdio. */
_Noreturn void exo_exit(int status);

/* Writes all of buf, in chunks of at most EXO_CONSOLE_WRITE_MAX.  Returns len
 * or the first error. */
long exo_console_write_all(int stream, const void *buf, size_t len);

/* The kernel info page, read without a kernel crossing. */
static inline const struct exo_kinfo *exo_kinfo(void)
{
	return (const struct exo_kinfo *)EXO_KINFO;
}

/* The time-stamp counter, read in ring 3 (where it runs natively). */
static inline uint64_t exo_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/* The stack pointer the kernel handed to _start (points at argc). */
extern long *__exo_initial_sp;

#endif
