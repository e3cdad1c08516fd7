/* The system calls.  entry.S indexes syscall_table directly after a bounds
 * check; every handler takes six arguments so the table has one type.  Each
 * handler validates its own arguments: nothing from ring 3 is trusted. */
#include <exo/errno.h>
#include <exo/status.h>
#include <exo/syscall.h>

#include "boottime.h"
#include "captab.h"
#include "disk.h"
#include "net.h"
#include "env.h"
#include "kernel.h"
#include "pct.h"
#include "reclaim.h"
#include "slice.h"
#include "syscall.h"
#include "trap.h"
#include "upcall.h"
#include "pagetable.h"

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

/* Statuses are 0..255 as on Linux, minus the block exosim keeps for itself
 * unless the libOS says the status is a Linux program's own (status.h).  a2:
 * the libOS's start-up marks, read only with exo.stats (boottime.h). */
SYSCALL(sys_exit)
{
	UNUSED_ARGS();
	bool verbatim = a1 & EXO_EXIT_VERBATIM;
	a1 &= ~(uint64_t)EXO_EXIT_VERBATIM;
	if (a1 > 255 || (!verbatim && a1 >= EXO_STATUS_RESERVED_LO && a1 <= EXO_STATUS_RESERVED_HI))
		return -EXO_EINVAL;
	boot_take_marks(curenv->pml4, a2);
	env_exit(curenv, (int)a1);
}

/* Adapters from the table's six-argument type to each call's own. */
#define ARGS1 a1
#define ARGS2 a1, a2
#define ARGS3 a1, a2, a3
#define ARGS4 a1, a2, a3, a4
#define ARGS5 a1, a2, a3, a4, a5
#define ADAPT(fn, args)                                                                            \
	SYSCALL(call_##fn)                                                                         \
	{                                                                                          \
		UNUSED_ARGS();                                                                     \
		return fn(args);                                                                   \
	}
ADAPT(sys_cap_acquire, ARGS2)
ADAPT(sys_cap_release, ARGS1)
ADAPT(sys_cap_grant, ARGS5)
ADAPT(sys_cap_revoke, ARGS3)
ADAPT(sys_cap_info, ARGS2)
ADAPT(sys_map, ARGS3)
ADAPT(sys_unmap, ARGS3)
ADAPT(sys_protect, ARGS4)
ADAPT(sys_env_create, ARGS1)
ADAPT(sys_env_set_regs, ARGS2)
ADAPT(sys_env_start, ARGS2)
ADAPT(sys_env_destroy, ARGS1)
ADAPT(sys_set_handler, ARGS5)
ADAPT(sys_slice_alloc, ARGS2)
ADAPT(sys_pct_entry, ARGS3)
ADAPT(sys_reclaim, ARGS2)
ADAPT(sys_set_fsbase, ARGS2)
ADAPT(sys_page_alloc, ARGS2)
ADAPT(sys_run_alloc, ARGS3)
ADAPT(sys_cap_grant_at, ARGS3)
ADAPT(sys_disk_io, ARGS2)
ADAPT(sys_disk_flush, ARGS2)
ADAPT(sys_disk_status, ARGS2)
ADAPT(sys_net_filter, ARGS2)
ADAPT(sys_net_unfilter, ARGS2)
ADAPT(sys_net_tx, ARGS3)
ADAPT(sys_net_bind, ARGS3)
ADAPT(sys_disk_batch, ARGS5)
ADAPT(sys_debug_signal, ARGS3)

/* Numbers with no call yet. */
SYSCALL(sys_nosys)
{
	UNUSED_ARGS();
	return -EXO_ENOSYS;
}

SYSCALL(sys_console_fill)
{
	UNUSED_ARGS();
	return console_fill();
}

/* entry.S: save the callee-saved registers, then call sys_yield(), sys_pct()
 * or sys_wait() / sys_wait_for(). */
long sys_yield_saving(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
long sys_pct_saving(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
long sys_wait_saving(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
long sys_wait_for_saving(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

const syscall_fn syscall_table[EXO_NSYSCALLS] = {
        [EXO_SYS_NULL] = sys_null,
        [EXO_SYS_CONSOLE_WRITE] = sys_console_write,
        [EXO_SYS_EXIT] = sys_exit,
        [EXO_SYS_YIELD] = sys_yield_saving,
        [EXO_SYS_CAP_ACQUIRE] = call_sys_cap_acquire,
        [EXO_SYS_CAP_RELEASE] = call_sys_cap_release,
        [EXO_SYS_CAP_GRANT] = call_sys_cap_grant,
        [EXO_SYS_CAP_REVOKE] = call_sys_cap_revoke,
        [EXO_SYS_CAP_INFO] = call_sys_cap_info,
        [EXO_SYS_MAP] = call_sys_map,
        [EXO_SYS_UNMAP] = call_sys_unmap,
        [EXO_SYS_PROTECT] = call_sys_protect,
        [EXO_SYS_ENV_CREATE] = call_sys_env_create,
        [EXO_SYS_ENV_SET_REGS] = call_sys_env_set_regs,
        [EXO_SYS_ENV_START] = call_sys_env_start,
        [EXO_SYS_ENV_DESTROY] = call_sys_env_destroy,
        [EXO_SYS_SET_HANDLER] = call_sys_set_handler,
        [EXO_SYS_SLICE_ALLOC] = call_sys_slice_alloc,
        [EXO_SYS_PCT] = sys_pct_saving,
        [EXO_SYS_PCT_ENTRY] = call_sys_pct_entry,
        [EXO_SYS_WAIT] = sys_wait_saving,
        [EXO_SYS_RECLAIM] = call_sys_reclaim,
        [EXO_SYS_CONSOLE_FILL] = sys_console_fill,
        [EXO_SYS_SET_FSBASE] = call_sys_set_fsbase,
        [EXO_SYS_PAGE_ALLOC] = call_sys_page_alloc,
        [EXO_SYS_RUN_ALLOC] = call_sys_run_alloc,
        [EXO_SYS_CAP_GRANT_AT] = call_sys_cap_grant_at,
        [27] = sys_nosys,
        [28] = sys_nosys,
        [29] = sys_nosys,
        [EXO_SYS_DISK_IO] = call_sys_disk_io,
        [EXO_SYS_DISK_FLUSH] = call_sys_disk_flush,
        [EXO_SYS_DISK_STATUS] = call_sys_disk_status,
        [EXO_SYS_NET_FILTER] = call_sys_net_filter,
        [EXO_SYS_NET_UNFILTER] = call_sys_net_unfilter,
        [EXO_SYS_NET_TX] = call_sys_net_tx,
        [EXO_SYS_NET_BIND] = call_sys_net_bind,
        [EXO_SYS_DISK_BATCH] = call_sys_disk_batch,
        [EXO_SYS_DEBUG_SIGNAL] = call_sys_debug_signal,
        [EXO_SYS_WAIT_FOR] = sys_wait_for_saving,
};

/* A NULL entry would be a jump to 0 in ring 0. */
_Static_assert(sizeof(syscall_table) / sizeof(syscall_table[0]) == EXO_NSYSCALLS, "table");

long syscall_dispatch(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                      uint64_t a6)
{
	if (nr >= EXO_NSYSCALLS)
		return -EXO_ENOSYS;
	return syscall_table[nr](a1, a2, a3, a4, a5, a6);
}
