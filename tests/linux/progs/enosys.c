/* enosys: system calls that do not exist return -1 with errno ENOSYS, and the program
 * goes on.  Not 335 or 336: Linux 6.11+ gave them to uretprobe and uprobe (natively,
 * syscall(335) outside a uprobe trampoline is SIGILL), so they are not "unknown" on
 * every host. */
#include <unistd.h>
#include <sys/syscall.h>
#include "check.h"

static void try(long nr)
{
	errno = 0;
	long r = syscall(nr, 1, 2, 3, 4, 5, 6);
	int e = errno;
	printf("syscall(%ld) = %ld errno %s\n", nr, r, errno_name(e));
	CHECK(r == -1 && e == ENOSYS, "syscall %ld is ENOSYS", nr);
}

int main(void)
{
	try(1000);
	try(512);
	try(100000);
	try(-1);
	/* the raw instruction, without libc's wrapper: the kernel returns -ENOSYS in rax */
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(999L) : "rcx", "r11", "memory");
	printf("raw syscall 999 = %ld\n", r);
	CHECK(r == -ENOSYS, "raw syscall 999 returns -ENOSYS");
	printf("still running\n");
	CHECK(getpid() > 0, "a real system call still works afterwards");
	return check_exit();
}
