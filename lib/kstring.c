/* Guest-only implementations of the kstring.h functions (host builds use libc's).
 *
 * Ring-0 code is emulated one instruction at a time (~275 ns each), so the bulk
 * operations use "rep movsq"/"rep stosq" (plus a byte tail) instead of a loop. Using asm
 * also stops gcc from recognising a byte loop as memcpy/memset and compiling it
 * into a call to itself. */
#include "kstring.h"

#include <stdint.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;
	size_t words = n / 8, tail = n % 8;

	/* KVM-on-PVM emulates a rep string instruction one iteration at a time, so
	 * eight bytes an iteration is eight times faster than one. */
	asm volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(words) : : "memory");
	asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(tail) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

	/* Copy forwards unless dst starts inside [src, src+n): then a forward copy
	 * would overwrite source bytes before reading them. */
	if (d - s >= n)
		return memcpy(dst, src, n);
	if (n == 0)
		return dst;
	d += n - 1;
	s += n - 1;
	asm volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory", "cc");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	size_t words = n / 8, tail = n % 8;
	uint64_t pattern = (uint8_t)c * 0x0101010101010101ull;

	asm volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
	asm volatile("rep stosb" : "+D"(d), "+c"(tail) : "a"(pattern) : "memory");
	return dst;
}

/* Plain loops: the callers compare short names, where the loop exits early. The
 * attribute keeps gcc from pattern-matching the loops back into library calls. */
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALLS int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (size_t i = 0; i < n; i++)
		if (p[i] != q[i])
			return p[i] - q[i];
	return 0;
}

NO_LIBCALLS size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}
