/* cpio "newc" reader. See cpio.h.
 *
 * Header layout: "070701" (or "070702", whose checksum we ignore), then 13 fields of
 * 8 ASCII hex digits: ino mode uid gid nlink mtime filesize devmajor devminor
 * rdevmajor rdevminor namesize check. The name (namesize bytes, NUL included) follows
 * and is padded so that header+name is a multiple of 4; the data is padded to 4 too.
 * Padding is relative to the start of the archive.  The name is what precedes its
 * first NUL, as GNU cpio and Linux read it: a writer may pad the field with more
 * NULs to align the data (exosim puts file data on pages: hostsim/cpio_build.c). */
#include "cpio.h"

#include <stdbool.h>

#include "kstring.h"

#define HDR_LEN  110
#define NFIELDS  13
#define MODE     1 /* field numbers */
#define UID      2
#define GID      3
#define MTIME    5
#define FILESIZE 6
#define NAMESIZE 11

static const char trailer[] = "TRAILER!!!";

static bool hex8(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		unsigned c = (unsigned char)s[i], d;

		if (c - '0' < 10)
			d = c - '0';
		else if ((c | 0x20) - 'a' < 6)
			d = (c | 0x20) - 'a' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/* Rounds an offset up to 4; false if that passes len (the padding is missing). */
static bool pad4(size_t off, size_t len, size_t *out)
{
	size_t pad = (4 - (off & 3)) & 3;

	if (pad > len - off)
		return false;
	*out = off + pad;
	return true;
}

int cpio_next(const void *archive, size_t len, size_t *pos, struct cpio_entry *e)
{
	const char *a = archive;
	size_t p = *pos, name_off, data_off;
	uint32_t f[NFIELDS];

	if (p > len || len - p < HDR_LEN)
		return CPIO_ETRUNC;
	if (memcmp(a + p, "07070", 5) != 0 || (a[p + 5] != '1' && a[p + 5] != '2'))
		return CPIO_EMAGIC;
	/* Every field is checked, the ones we ignore too: an archive is either
	 * well-formed or refused, the same way by every reader. */
	for (int i = 0; i < NFIELDS; i++)
		if (!hex8(a + p + 6 + 8 * i, &f[i]))
			return CPIO_EHEX;
	uint32_t mode = f[MODE], filesize = f[FILESIZE], namesize = f[NAMESIZE];

	/* name_off <= len, so none of the sums below can overflow. */
	name_off = p + HDR_LEN;
	if (namesize > len - name_off)
		return CPIO_ETRUNC;
	if (namesize == 0 || a[name_off + namesize - 1] != '\0')
		return CPIO_ENAME;
	if (!pad4(name_off + namesize, len, &data_off)) {
		/* Padding cut off right after the name: fine if there's no data (the
		 * trailer of an archive that isn't padded at the end). */
		if (filesize != 0)
			return CPIO_ETRUNC;
		data_off = len;
	}
	if (filesize > len - data_off)
		return CPIO_ETRUNC;

	e->name = a + name_off;
	e->namelen = 0;
	while (a[name_off + e->namelen] != '\0') /* stops at namesize - 1: a NUL */
		e->namelen++;
	e->data = (const uint8_t *)a + data_off;
	e->size = filesize;
	e->mode = mode;
	e->mtime = f[MTIME];
	e->uid = f[UID];
	e->gid = f[GID];

	/* Tolerate missing padding after the last entry's data: the next read fails with
	 * CPIO_ETRUNC anyway if anything but the end follows. */
	if (!pad4(data_off + filesize, len, pos))
		*pos = len;

	if (e->namelen == sizeof(trailer) - 1 && memcmp(e->name, trailer, e->namelen) == 0)
		return CPIO_END;
	return CPIO_OK;
}

/* Skips any run of leading "/" and "./" so that "/x", "./x", ".//x" and "x" agree. */
static const char *skip_root(const char *s, size_t *n)
{
	for (;;) {
		if (*n >= 1 && s[0] == '/') {
			s++, (*n)--;
		} else if (*n >= 2 && s[0] == '.' && s[1] == '/') {
			s += 2, *n -= 2;
		} else {
			return s;
		}
	}
}

int cpio_find(const void *archive, size_t len, const char *path, struct cpio_entry *e)
{
	size_t plen = strlen(path), pos = 0;
	const char *p = skip_root(path, &plen);
	int r;

	while ((r = cpio_next(archive, len, &pos, e)) == CPIO_OK) {
		size_t n = e->namelen;
		const char *name = skip_root(e->name, &n);

		if (n == plen && memcmp(name, p, n) == 0)
			return CPIO_OK;
	}
	return r;
}

const char *cpio_strerror(int err)
{
	switch (err) {
	case CPIO_END:
		return "end of archive";
	case CPIO_OK:
		return "ok";
	case CPIO_EMAGIC:
		return "bad cpio magic (not a newc archive)";
	case CPIO_ETRUNC:
		return "truncated cpio archive";
	case CPIO_EHEX:
		return "bad hex digit in cpio header";
	case CPIO_ENAME:
		return "bad name in cpio header";
	default:
		return "unknown cpio error";
	}
}
