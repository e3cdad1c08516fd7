/* The initramfs exosim hands the kernel (PVH module 0, cpio newc): the files
 * that start the first program, and their limits.  Shared by hostsim/, which
 * writes the archive or checks a user's (--initrd), kernel/main.c, which reads
 * exosim/init, and the runtime and ExOS, which build the first program's argv
 * and environment from exosim/argv and exosim/envp.  The layout is in
 * docs/boot.md. */
#ifndef HW_INITRAMFS_H
#define HW_INITRAMFS_H

#include <stdbool.h>
#include <stddef.h>

#define INITRAMFS_INIT "exosim/init" /* the path, in the archive, of the first program */
#define INITRAMFS_ARGV "exosim/argv" /* its arguments, NUL-separated */
#define INITRAMFS_ENVP "exosim/envp" /* its environment, NUL-separated */

/* Names as on Linux: a path component of at most 255 bytes (NAME_MAX), a
 * path of at most 4095 plus its NUL (PATH_MAX). */
#define INITRAMFS_NAME_MAX 255
#define INITRAMFS_PATH_MAX 4096

/* The longest path exosim/init may hold, in bytes (no NUL needed). */
#define INITRAMFS_INIT_MAX (INITRAMFS_PATH_MAX - 1)

/* Linux's execve limits (fs/exec.c) with its default 8 MiB stack limit: each
 * string at most MAX_ARG_STRLEN bytes with its NUL, and all of them (argv,
 * envp and the program's file name, AT_EXECFN) plus one pointer each and one
 * more within a quarter of the stack limit. */
#define INITRAMFS_ARG_STRLEN_MAX (32ul * 4096)
#define INITRAMFS_ARGS_MAX       ((8ul << 20) / 4)

/* nstrings strings of string_bytes bytes in all (with their NULs, the file
 * name's included) fit Linux's total. */
static inline bool initramfs_args_fit(size_t nstrings, size_t string_bytes)
{
	return nstrings < INITRAMFS_ARGS_MAX / 8 && string_bytes <= INITRAMFS_ARGS_MAX &&
	       string_bytes + 8 * (nstrings + 1) <= INITRAMFS_ARGS_MAX;
}

#endif
