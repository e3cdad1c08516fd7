/* Exit statuses: what a guest reports, how the kernel records a death it
 * caused, and what exosim reserves.
 *
 * A guest program's status is 0..255, as on Linux, except for the block
 * EXO_STATUS_RESERVED_LO..EXO_STATUS_RESERVED_HI, which belongs to exosim's
 * own failures so the two are not confused.  The kernel refuses an exit
 * status in that block (the exit call returns -EXO_EINVAL), unless the libOS
 * passes EXO_EXIT_VERBATIM: a Linux program run by ExOS exits with exactly
 * the status it gives, as it would on Linux (127 for "not found" is common).
 * exosim's own failures always say so on stderr in a line of their own.
 *
 * An environment the kernel ends itself gets a status above 255 that says
 * what happened in the kernel's terms, by vector: an exception with no
 * handler (EXO_STATUS_FAULT), an upcall it could not deliver
 * (EXO_STATUS_NOUPCALL), or destruction through a capability
 * (EXO_STATUS_DESTROYED).  The kernel knows nothing of Unix signals: turning
 * these into a shell's 128 + signal is for whoever reports them, exosim for
 * the machine's exit status (`exosim --help`) and ExOS for its programs
 * (lib/unix_status.h, shared by both). */
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

/* exo_env_info.status of an environment the kernel ended, and the value the
 * kernel hands the machine's exit device when that was the first one.  The
 * vector is an exception (0..31) or an upcall (EXO_VEC_*, sched.h). */
#define EXO_STATUS_FAULT(vec)    (0x100 | (vec)) /* exception vec, no handler */
#define EXO_STATUS_NOUPCALL(vec) (0x200 | (vec)) /* could not write its upcall frame */
#define EXO_STATUS_DESTROYED     0x300           /* EXO_SYS_ENV_DESTROY */
#define EXO_STATUS_KIND(s)       ((s) & ~0xff)   /* 0 for an exit, else one of the above */
#define EXO_STATUS_VECTOR(s)     ((s)&0xff)

#endif
