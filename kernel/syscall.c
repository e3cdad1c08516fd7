/* The system calls.  entry.S indexes syscall_table directly after a bounds
 * check; every handler takes six arguments so the table has one type.  Each
 * handler validates its own arguments: nothing from ring 3 is trusted. */
#include <exo/errno.h>
#include <exo/status.h>
#include <exo/syscall.h>

#include "env.h"
#include "kernel.h"
#include "syscall.h"

#define SYSCALL(name)                                                                              \
	static long name(uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,          \
	                 uint64_t a6)
#define UNUSED_ARGS(...) (void)a1, (void)a2, (void)a3, (void)a4, (void)a5, (void)a6

SYSCALL(sys_null)
{
	UNUSED_ARGS();
	return 0;
}

SYSCALL(sys_console_write)
{
	UNUSED_ARGS();
	return console_write_user(curenv->pml4, (int)a1, a2, a3);
}

/* Statuses are 0..255 as on Linux, minus the block exosim keeps for itself. */
SYSCALL(sys_exit)
{
	UNUSED_ARGS();
	if (a1 > 255 || (a1 >= EXO_STATUS_RESERVED_LO && a1 <= EXO_STATUS_RESERVED_HI))
		return -EXO_EINVAL;
	env_exit(curenv, (int)a1);
}

const syscall_fn syscall_table[EXO_NSYSCALLS] = {
        [EXO_SYS_NULL] = sys_null,
        [EXO_SYS_CONSOLE_WRITE] = sys_console_write,
        [EXO_SYS_EXIT] = sys_exit,
};

long syscall_dispatch(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                      uint64_t a6)
{
	if (nr >= EXO_NSYSCALLS)
		return -EXO_ENOSYS;
	return syscall_table[nr](a1, a2, a3, a4, a5, a6);
}
