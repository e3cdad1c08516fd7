/* The console streams behind the console devices: exosim's stdout (stream 1)
 * and stderr (stream 2), and its stdin.  The devices (dev_serial.c,
 * dev_debugcon.c, dev_pvconsole.c, dev_pvstdin.c) decide what the guest asked
 * for; this file does the host I/O, keeps the two streams in order, and
 * reports the host's errors so that they can reach the guest. */
#ifndef HOSTSIM_CONSOLE_H
#define HOSTSIM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define CONSOLE_STDOUT 1
#define CONSOLE_STDERR 2

/* One byte from a byte-wide port: buffered per line (one write per line, not
 * per byte); a host error there has nowhere to go and only ends the line. */
void console_put_byte(int stream, uint8_t byte);

/* Writes every buffer, in order, after anything buffered.  Returns the bytes
 * written: all of them, or fewer when the host failed after writing some (as
 * a Linux write returns a short count); or -errno when it failed first
 * (EPIPE, ENOSPC, EIO, ...; EINTR once the --timeout deadline has passed). */
long console_writev(int stream, const struct iovec *iov, int n);

/* Reads at most len bytes of stdin: bytes, 0 at its end, or -errno. */
long console_read(void *buf, size_t len);

/* As console_read, but only what stdin has ready now: -EAGAIN, without
 * waiting, when a read would block. */
long console_read_ready(void *buf, size_t len);

/* Writes out what the byte-wide ports have buffered; called before exit too.
 * Gives up once the deadline has passed: the run is over. */
void console_flush(void);

#endif
