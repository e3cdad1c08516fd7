/* In-memory writer for cpio "newc" archives (host side).
 *
 * The output is what GNU cpio (`cpio -H newc -o`) and the Linux initramfs unpacker
 * read: uid/gid 0 and mtime 0 unless set, one unique inode per entry, names without a leading "/".
 * Every non-empty file's data starts at a multiple of CPIO_DATA_ALIGN from the start
 * of the archive (its name field is padded with NULs), so that the kernel and ExOS,
 * given the archive page-aligned, can map a program's pages in place instead of
 * copying them (docs/boot.md).
 * Errors are sticky: after any failed call, every later call (and cpio_finish) returns
 * -1, so a caller may check only the result of cpio_finish. */
#ifndef HOSTSIM_CPIO_BUILD_H
#define HOSTSIM_CPIO_BUILD_H

#include <stddef.h>
#include <stdint.h>

#define CPIO_DATA_ALIGN 4096

struct cpio_builder {
	uint8_t *buf; /* the archive so far: buf[0..len) */
	size_t len, cap;
	uint32_t next_ino;
	uint32_t mtime;    /* written into the entries added from now on (default 0) */
	uint32_t uid, gid; /* their owner, likewise (default 0: root) */
	int failed;
};

void cpio_builder_init(struct cpio_builder *b);

/* Adds a regular file. mode: permission bits (others are dropped); S_IFREG is added.
 * Leading "/" and "./" are stripped from name, which must not then be empty. size must
 * be < 4 GiB (the newc limit). 0 or -1. */
int cpio_add_file(struct cpio_builder *b, const char *name, const void *data, size_t size,
                  uint32_t mode);

/* Adds a directory (S_IFDIR is added to the permission bits). 0 or -1. */
int cpio_add_dir(struct cpio_builder *b, const char *name, uint32_t mode);

/* Appends the TRAILER!!! entry. 0, or -1 if this or any earlier call failed. */
int cpio_finish(struct cpio_builder *b);

/* Frees the buffer; b is then as after cpio_builder_init. */
void cpio_builder_free(struct cpio_builder *b);

#endif
