/* cpio "newc" writer. See cpio_build.h; the format is described in lib/cpio.c. */
#include "cpio_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HDR_LEN 110

void cpio_builder_init(struct cpio_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->next_ino = 1; /* inode 0 is the trailer's, as GNU cpio writes it */
}

void cpio_builder_free(struct cpio_builder *b)
{
	free(b->buf);
	cpio_builder_init(b);
}

static int fail(struct cpio_builder *b)
{
	b->failed = 1;
	return -1;
}

/* Makes room for n more bytes. */
static int reserve(struct cpio_builder *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *p;

	if (n > SIZE_MAX - b->len)
		return -1;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if (cap == b->cap)
		return 0;
	p = realloc(b->buf, cap);
	if (!p)
		return -1;
	b->buf = p;
	b->cap = cap;
	return 0;
}

static void put(struct cpio_builder *b, const void *p, size_t n)
{
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void pad4(struct cpio_builder *b)
{
	static const uint8_t zeros[4];

	put(b, zeros, (4 - (b->len & 3)) & 3);
}

/* The name field's size for a name of namelen bytes: its NUL, and for file
 * data, as many more NULs as make the data start on a page of the archive
 * (CPIO_DATA_ALIGN), so that a reader can map it in place.  Readers take the
 * name up to its first NUL (GNU cpio, Linux's initramfs, lib/cpio.c); the
 * header and the archive are 4-aligned, so the sum needs no other padding. */
static size_t name_field(const struct cpio_builder *b, size_t namelen, size_t size)
{
	size_t namesize = namelen + 1;

	if (size == 0)
		return namesize;
	size_t end = b->len + HDR_LEN + namesize;
	return namesize + (CPIO_DATA_ALIGN - end % CPIO_DATA_ALIGN) % CPIO_DATA_ALIGN;
}

/* One entry: header, name, padding, data, padding. The space needed is reserved up
 * front so that a failure leaves the archive as it was. */
static int add_entry(struct cpio_builder *b, const char *name, uint32_t mode, uint32_t nlink,
                     uint32_t ino, const void *data, size_t size)
{
	size_t namelen = strlen(name), namesize;
	char hdr[HDR_LEN + 1];

	if (b->failed)
		return -1;
	if (size > UINT32_MAX || namelen > UINT32_MAX - CPIO_DATA_ALIGN)
		return fail(b);
	namesize = name_field(b, namelen, size);
	if (namesize > SIZE_MAX - HDR_LEN - size - 6)
		return fail(b);
	if (reserve(b, HDR_LEN + namesize + 3 + size + 3) < 0)
		return fail(b);
	/* Fields: magic ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor
	 * rdevminor namesize check. */
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
	         ino, mode, b->uid, b->gid, nlink, b->mtime, (uint32_t)size, 0u, 0u, 0u, 0u,
	         (uint32_t)namesize, 0u);
	put(b, hdr, HDR_LEN);
	put(b, name, namelen);
	memset(b->buf + b->len, 0, namesize - namelen);
	b->len += namesize - namelen;
	pad4(b);
	put(b, data, size);
	pad4(b);
	return 0;
}

/* Strips leading "/" and "./"; NULL if nothing is left or no inode number is left. */
static const char *entry_name(struct cpio_builder *b, const char *name)
{
	for (;;) {
		if (name[0] == '/')
			name++;
		else if (name[0] == '.' && name[1] == '/')
			name += 2;
		else
			break;
	}
	if (name[0] == '\0' || b->next_ino == UINT32_MAX)
		return NULL;
	return name;
}

int cpio_add_file(struct cpio_builder *b, const char *name, const void *data, size_t size,
                  uint32_t mode)
{
	const char *n = entry_name(b, name);

	if (!n || (size && !data))
		return fail(b);
	if (add_entry(b, n, S_IFREG | (mode & 07777), 1, b->next_ino, data, size) < 0)
		return -1;
	b->next_ino++;
	return 0;
}

int cpio_add_dir(struct cpio_builder *b, const char *name, uint32_t mode)
{
	const char *n = entry_name(b, name);

	if (!n)
		return fail(b);
	if (add_entry(b, n, S_IFDIR | (mode & 07777), 2, b->next_ino, NULL, 0) < 0)
		return -1;
	b->next_ino++;
	return 0;
}

int cpio_finish(struct cpio_builder *b)
{
	return add_entry(b, "TRAILER!!!", 0, 1, 0, NULL, 0);
}
