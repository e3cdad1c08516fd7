/* ExOS's UNIX interface for native programs: the same code that serves a
 * Linux program's system calls (libos/linux), called as plain functions, with
 * no trap and no kernel crossing unless the call itself needs the kernel
 * (console output, memory).
 *
 *   exos_unix_init();                       once: the initramfs root, fds 0-2
 *   int fd = exos_open("data/x", 0, 0);     results are Linux's: >= 0, or
 *   long n = exos_read(fd, buf, sizeof(buf));   -errno on failure
 *
 * Link with the exos_linux library (CMake: exo_guest_program + target_link_libraries
 * (prog PRIVATE exos_linux)).  Numbers and structures are Linux x86-64's. */
#ifndef EXOS_UNIX_H
#define EXOS_UNIX_H

#include <stddef.h>
#include <stdint.h>

/* Sets up the file layer and registers this program's own memory (image,
 * stack, heap regions mapped later through ExOS) as valid buffers.  0 or
 * -errno. */
long exos_unix_init(void);

/* Any Linux system call by number (asm/unistd_64.h), served in ring 3. */
long exos_unix_call(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

#define EXOS_O_RDONLY    0
#define EXOS_O_DIRECTORY 0200000

static inline long exos_read(int fd, void *buf, size_t n)
{
	return exos_unix_call(0, fd, (long)buf, (long)n, 0, 0, 0);
}
static inline long exos_write(int fd, const void *buf, size_t n)
{
	return exos_unix_call(1, fd, (long)buf, (long)n, 0, 0, 0);
}
static inline long exos_open(const char *path, int flags, int mode)
{
	return exos_unix_call(257, -100 /* AT_FDCWD */, (long)path, flags, mode, 0, 0);
}
static inline long exos_close(int fd)
{
	return exos_unix_call(3, fd, 0, 0, 0, 0, 0);
}
static inline long exos_getdents64(int fd, void *buf, size_t n)
{
	return exos_unix_call(217, fd, (long)buf, (long)n, 0, 0, 0);
}
static inline long exos_lseek(int fd, long off, int whence)
{
	return exos_unix_call(8, fd, off, whence, 0, 0, 0);
}

/* struct linux_dirent64's header; the name follows. */
struct exos_dirent64 {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
};

#endif
