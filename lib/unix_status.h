/* Unix conventions for the kernel's exit records (include/exo/status.h).
 *
 * The kernel reports how an environment ended by vector; a shell reports a
 * program killed by a signal as 128 + the signal.  The mapping lives here,
 * outside the kernel, shared by the two places that speak Unix: exosim (the
 * machine's exit status, `exosim --help`) and ExOS (a native program's
 * unhandled exception, abort).  ExOS's Linux personality delivers real
 * signals instead (libos/linux/syscall.c, signal.c). */
#ifndef LIB_UNIX_STATUS_H
#define LIB_UNIX_STATUS_H

#define UNIX_SIGILL  4
#define UNIX_SIGTRAP 5
#define UNIX_SIGABRT 6
#define UNIX_SIGBUS  7
#define UNIX_SIGFPE  8
#define UNIX_SIGKILL 9
#define UNIX_SIGSEGV 11

#define UNIX_STATUS_SIGNALED(sig) (128 + (sig))

/* The signal Linux sends for an exception vector (SIGSEGV for #PF, #GP, ...). */
int unix_signal_of_vector(unsigned vector);

/* A shell's status for an exo_env_info.status: an exit's own status, or
 * 128 + the signal Linux would have killed with: the exception's signal, and
 * SIGSEGV for an upcall the kernel could not deliver (Linux's answer to a
 * signal frame it cannot write), SIGKILL for a destroyed environment.  A
 * value the kernel never gives maps to -1. */
int unix_status(unsigned exo_status);

#endif
