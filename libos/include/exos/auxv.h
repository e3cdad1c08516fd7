/* ExOS's additions to a Linux program's auxiliary vector (libos/linux/main.c).
 * A Linux program reads them with getauxval(3); natively they are absent and
 * getauxval returns 0, which is how a program tells where it runs.
 *
 * EXOS_AT_KINFO: the address of the exokernel's read-only info page (struct
 * exo_kinfo, <exo/kinfo.h>).  Through it the program can read the kernel's
 * exported counters (crossings, upcalls, ticks) and its TSC calibration.  The
 * environment belongs to the program as much as to ExOS, so the program may
 * also call the kernel's gate (EXO_GATE_SYSCALL, <exo/memlayout.h>) itself:
 * the kernel checks every call, whoever makes it.  bench/progs/exobench.c
 * does both. */
#ifndef EXOS_AUXV_H
#define EXOS_AUXV_H

#define EXOS_AT_KINFO 0x4558 /* "EX": far above Linux's own tags (< 64) */

#endif
