/* Exit statuses: what a guest reports, and what exosim reserves.
 *
 * A guest program's status is 0..255, as on Linux, except for the block
 * EXO_STATUS_RESERVED_LO..EXO_STATUS_RESERVED_HI, which belongs to exosim's
 * own failures so the two are not confused.  The kernel refuses an exit
 * status in that block (the exit call returns -EXO_EINVAL), unless the libOS
 * passes EXO_EXIT_VERBATIM: a Linux program run by ExOS exits with exactly
 * the status it gives, as it would on Linux (127 for "not found" is common).
 * exosim's own failures always say so on stderr in a line of their own.
 *
 * An environment killed by an exception it does not handle ends with
 * 128 + the Linux signal number that exception maps to, as a shell reports
 * a program killed by a signal (139 for a page fault, 136 for a divide
 * error). */
#ifndef EXO_STATUS_H
#define EXO_STATUS_H

#define EXO_STATUS_RESERVED_LO 120
#define EXO_STATUS_RESERVED_HI 127
#define EXO_EXIT_VERBATIM      0x100 /* or'ed into EXO_SYS_EXIT's status */

/* exosim's own exit statuses (documented in `exosim --help`). */
#define EXOSIM_EXIT_USAGE  120 /* bad command line */
#define EXOSIM_EXIT_NOKVM  121 /* /dev/kvm missing or not accessible */
#define EXOSIM_EXIT_NOFILE 122 /* a named file does not exist or is unreadable */
/* 123 is bad input, a malformed file of either kind: an ELF that is not x86-64,
 * has no PVH note or bad segments; an initramfs that is not a valid cpio newc
 * archive, or that names no program. */
#define EXOSIM_EXIT_BADELF     123
#define EXOSIM_EXIT_BADARCHIVE 123
#define EXOSIM_EXIT_TIMEOUT    124 /* --timeout reached */
#define EXOSIM_EXIT_CRASH      125 /* triple fault, unexpected VM exit, guest died */
#define EXOSIM_EXIT_NOMEM      126 /* kernel or programs do not fit in guest memory */
#define EXOSIM_EXIT_INTERNAL   127 /* a host-side failure (KVM ioctl, out of memory) */

/* Status of an environment killed by an unhandled exception. */
#define EXO_STATUS_SIGNALED(sig) (128 + (sig))
#define EXO_SIGILL               4
#define EXO_SIGTRAP              5
#define EXO_SIGBUS               7
#define EXO_SIGFPE               8
#define EXO_SIGSEGV              11

#endif
