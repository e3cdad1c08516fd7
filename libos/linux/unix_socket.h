/* AF_UNIX sockets (unix_socket.c): what the file layer calls for a
 * descriptor of kind K_SOCKET.  The sockets and their buffers live in the
 * shared region, so processes share them across fork (docs/libos.md,
 * "AF_UNIX sockets"). */
#ifndef EXOS_LINUX_UNIX_SOCKET_H
#define EXOS_LINUX_UNIX_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exo/pred.h>

#include "linux.h"
#include "vfs.h"

/* The kind of an open file description (struct ofile.kind) that is a socket.
 * It belongs in vfs.h's enum kind, which the lead's tree work owns for now:
 * kept outside that enum's range so no kind added there can collide.  The
 * socket's index is in ofile.dcur (a directory cursor otherwise). */
#define K_SOCKET 64
_Static_assert(K_SOCKET > K_TIMERFD, "K_SOCKET collides with a kind of vfs.h");

struct ofile;
struct linux_stat;

long usock_read(const struct ofile *of, uint64_t dst, size_t n, bool user);
long usock_write(const struct ofile *of, uint64_t src, size_t n, bool user);
/* readv and writev: one call over the iovecs (a datagram is one record). */
long usock_readv(const struct ofile *of, uint64_t uiov, long cnt);
long usock_writev(const struct ofile *of, uint64_t uiov, long cnt);
/* poll's events now (POLLHUP, POLLERR reported whether asked for or not). */
short usock_events(const struct ofile *of, short events);
/* A term that turns true when any socket changes (another process's send,
 * close...): what poll sleeps on besides its own process's calls. */
bool usock_term(const struct ofile *of, struct exo_pred_term *t);
/* FIONREAD (SIOCINQ): bytes a read would get (stream), or the next datagram's. */
int usock_nread(const struct ofile *of);
/* The last reference to a description went (fd.c's of_put). */
void usock_close(const struct ofile *of);
/* fstat of a socket: S_IFSOCK on sockfs. */
void usock_stat(int index, struct linux_stat *st);

extern const struct linux_syscall_def linux_usock_syscalls[];
extern const size_t linux_usock_nsyscalls;

#endif
