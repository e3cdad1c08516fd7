/* The few string functions the freestanding parsers in lib use.
 *
 * Standard prototypes, so the same parser sources compile unchanged on the host
 * (where libc provides these) and in the guest (where kstring.c does). gcc also
 * emits calls to memcpy/memset/memmove/memcmp on its own, even with -ffreestanding,
 * so the guest must link kstring.c whether or not anything calls them by name. */
#ifndef KSTRING_H
#define KSTRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
