/* Unix conventions for the kernel's exit records (unix_status.h). */
#include "unix_status.h"

#include <exo/status.h>

int unix_signal_of_vector(unsigned vector)
{
	switch (vector) {
	case 0:  /* #DE */
	case 16: /* #MF, x87 */
	case 19: /* #XM, SIMD */
		return UNIX_SIGFPE;
	case 1: /* #DB */
	case 3: /* #BP */
		return UNIX_SIGTRAP;
	case 6: /* #UD */
		return UNIX_SIGILL;
	case 11: /* #NP */
	case 12: /* #SS */
	case 17: /* #AC */
		return UNIX_SIGBUS;
	default:
		return UNIX_SIGSEGV;
	}
}

int unix_status(unsigned s)
{
	switch (EXO_STATUS_KIND(s)) {
	case 0:
		return (int)s;
	case EXO_STATUS_FAULT(0):
		return EXO_STATUS_VECTOR(s) < 32
		               ? UNIX_STATUS_SIGNALED(unix_signal_of_vector(EXO_STATUS_VECTOR(s)))
		               : -1;
	case EXO_STATUS_NOUPCALL(0):
		return UNIX_STATUS_SIGNALED(UNIX_SIGSEGV);
	case EXO_STATUS_DESTROYED:
		return s == EXO_STATUS_DESTROYED ? UNIX_STATUS_SIGNALED(UNIX_SIGKILL) : -1;
	default:
		return -1;
	}
}
