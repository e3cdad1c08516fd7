/* debug_signal: EXO_SYS_DEBUG_SIGNAL's checks of what a libOS passes.  Without
 * exo.gdb (no EXO_KINFO_GDB) every call is -ENOSYS; with it (and no exosim
 * --gdb answering, so nothing stops), a bad signal number, an unreadable
 * register block and a rip outside user space are refused, and a good report
 * returns 0.  Exits 0 if every check passed. */
#define TEST_NAME "debug_signal"
#include <exo/memlayout.h>

#include "check.h"

int main(void)
{
	struct exo_regs r = {.rip = 0x401000, .rsp = 0x7000, .rflags = 0x246};
	if (!(exo_kinfo()->flags & EXO_KINFO_GDB)) {
		ERR(exo_debug_signal(&r, 11, 0), EXO_ENOSYS, "no debugger");
		ERR(exo_debug_signal(NULL, 0, 0), EXO_ENOSYS, "no debugger, bad arguments");
		return check_done();
	}
	ERR(exo_debug_signal(&r, 0, 0), EXO_EINVAL, "signal 0");
	ERR(exo_debug_signal(&r, 65, 0), EXO_EINVAL, "signal 65");
	ERR(exo_debug_signal(&r, -11, 0), EXO_EINVAL, "signal -11");
	ERR(exo_debug_signal(NULL, 11, 0), EXO_EFAULT, "registers at NULL");
	ERR(exo_debug_signal((const struct exo_regs *)EXO_KERNBASE, 11, 0), EXO_EFAULT,
	    "registers in the kernel");
	ERR(exo_debug_signal((const struct exo_regs *)(EXO_USER_TOP - 8), 11, 0), EXO_EFAULT,
	    "registers across the end of user space");
	r.rip = EXO_KERNBASE;
	ERR(exo_debug_signal(&r, 11, 0), EXO_EFAULT, "rip in the kernel");
	r.rip = 0x401000;
	RET(exo_debug_signal(&r, 11, 0), 0, "SIGSEGV, nobody listening");
	RET(exo_debug_signal(&r, 64, ~0ul), 0, "signal 64, any address");
	return check_done();
}
