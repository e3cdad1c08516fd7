/* <exos/unix.h>: the Linux personality's calls as functions, for native
 * programs.  They run the same handlers a trapped or rewritten `syscall`
 * reaches (syscall.c's table), minus the trap. */
#include <exos/sys.h>
#include <exos/unix.h>

#include "linux.h"

long exos_unix_init(void)
{
	extern char __executable_start[], _end[];
	uint64_t lo = (uint64_t)__executable_start & ~(EXO_PAGE_SIZE - 1);
	uint64_t hi = ((uint64_t)_end + EXO_PAGE_SIZE - 1) & ~(EXO_PAGE_SIZE - 1);
	/* The kernel loaded us: our image and stack are already mapped. */
	linux_mm_init(hi + (1ul << 30));
	linux_mm_note_region(lo, hi - lo, LINUX_PROT_READ | LINUX_PROT_WRITE | LINUX_PROT_EXEC,
	                     "image");
	linux_mm_note_region(EXO_USTACK_BOTTOM, EXO_USTACK_TOP - EXO_USTACK_BOTTOM,
	                     LINUX_PROT_READ | LINUX_PROT_WRITE, "stack");
	linux_fs_init();
	linux_signal_init();
	linux_syscall_table_init();
	return 0;
}

long exos_unix_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	struct linux_ctx c = {.rax = (uint64_t)nr,
	                      .rdi = (uint64_t)a1,
	                      .rsi = (uint64_t)a2,
	                      .rdx = (uint64_t)a3,
	                      .r10 = (uint64_t)a4,
	                      .r8 = (uint64_t)a5,
	                      .r9 = (uint64_t)a6};
	linux_syscall(&c);
	return (long)c.rax;
}
