/* Escaping for display.  See escape.h. */
#include "escape.h"

#include "kstring.h"

static const char hex[] = "0123456789abcdef";

static size_t width(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\' ? 1 : 4;
}

const char *escape_bytes(char *out, size_t cap, const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t total = 0, o = 0, i;

	for (i = 0; i < n; i++)
		total += width(p[i]);
	/* What does not fit whole keeps 3 bytes for "...". */
	size_t room = total < cap ? cap - 1 : cap - 4;

	for (i = 0; i < n && o + width(p[i]) <= room; i++) {
		if (width(p[i]) == 1) {
			out[o++] = (char)p[i];
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
		}
	}
	if (i < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

const char *escape_str(char *out, size_t cap, const char *s)
{
	return escape_bytes(out, cap, s, strlen(s));
}
