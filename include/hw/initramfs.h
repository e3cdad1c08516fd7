/* The initramfs exosim hands the kernel (PVH module 0, cpio newc): the files
 * that start the first program, and their limits.  Shared by hostsim/, which
 * writes the archive or checks a user's (--initrd), and kernel/main.c, which
 * reads it.  The layout is in docs/boot.md. */
#ifndef HW_INITRAMFS_H
#define HW_INITRAMFS_H

#define INITRAMFS_INIT "exosim/init" /* the path, in the archive, of the first program */
#define INITRAMFS_ARGV "exosim/argv" /* its arguments, NUL-separated */
#define INITRAMFS_ENVP "exosim/envp" /* its environment, NUL-separated */

/* The longest path exosim/init may hold, in bytes (no NUL needed). */
#define INITRAMFS_INIT_MAX 255

#endif
