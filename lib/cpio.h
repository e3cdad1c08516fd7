/* Reader for cpio "newc" archives (the Linux initramfs format).
 *
 * Pure, freestanding C: used by the kernel on the boot module and by host tools and
 * tests. Nothing is copied: entries point into the archive. Every offset and length
 * is checked against the archive length, so a malformed archive yields an error and
 * never a read outside [archive, archive+len). */
#ifndef KLIB_CPIO_H
#define KLIB_CPIO_H

#include <stddef.h>
#include <stdint.h>

struct cpio_entry {
	const char *name; /* NUL-terminated inside the archive */
	size_t namelen;   /* without the NUL */
	const uint8_t *data;
	size_t size;
	uint32_t mode;     /* st_mode: file type and permission bits */
	uint32_t mtime;    /* seconds since 1970 */
	uint32_t uid, gid; /* the owner */
};

enum {
	CPIO_END = 0,
	CPIO_OK = 1,
	CPIO_EMAGIC = -1,
	CPIO_ETRUNC = -2,
	CPIO_EHEX = -3,
	CPIO_ENAME = -4,
};

/* Reads the entry at *pos, advances *pos past it. Returns CPIO_OK, CPIO_END at the
 * trailer (*e then describes the trailer), or a negative error (*pos unchanged).
 * Start with *pos = 0. */
int cpio_next(const void *archive, size_t len, size_t *pos, struct cpio_entry *e);

/* Finds an entry (file, directory, ...) by path; leading "/" and "./" on either side
 * are ignored. Returns CPIO_OK, CPIO_END if absent, or a negative error if the archive
 * is malformed before it was found. */
int cpio_find(const void *archive, size_t len, const char *path, struct cpio_entry *e);

/* One short lowercase phrase per code. */
const char *cpio_strerror(int err);

#endif
