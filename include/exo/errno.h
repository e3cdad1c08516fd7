/* Error numbers returned (negated) by exokernel calls.  The values match
 * Linux's so a libOS emulating Linux can pass them through unchanged. */
#ifndef EXO_ERRNO_H
#define EXO_ERRNO_H

#define EXO_EPERM  1
#define EXO_ENOENT 2
#define EXO_EINTR  4  /* a wait cut short to deliver an upcall */
#define EXO_EIO    5  /* a device failed (console input or output, a disk) */
#define EXO_ENXIO  6  /* a disk request reaches past the end of the device */
#define EXO_ENOEXEC 8 /* a packet filter the verifier refused (net.h) */
#define EXO_EBADF  9  /* not a capability slot in use */
#define EXO_EAGAIN 11 /* memory is being reclaimed: try again */
#define EXO_ENOMEM 12
#define EXO_EACCES 13 /* a disk request's capability lacks the right it needs */
#define EXO_EFAULT 14
#define EXO_EBUSY  16
#define EXO_EEXIST 17 /* a packet filter with the same priority on that NIC */
#define EXO_EINVAL 22
#define EXO_ENOSPC 28 /* a table is full; console output: the host's device is full */
#define EXO_EROFS  30 /* a write or flush on a read-only disk */
#define EXO_EPIPE  32 /* the PCT callee died before replying; console output: no reader */
#define EXO_ENOSYS 38

#endif
