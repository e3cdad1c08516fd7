/* exit, number parsing and the environment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exos/sys.h>

#include "unix_status.h"

char **environ;
long *__exo_initial_sp;

_Noreturn void exit(int status)
{
	long r;

	fflush(NULL);
	status &= 0xff;
	r = exo_exit_status(status);
	fprintf(stderr, "exit: the kernel refused status %d (%ld); exiting with 1\n", status, r);
	exo_exit(1);
}

_Noreturn void abort(void)
{
	fflush(NULL);
	exo_exit(UNIX_STATUS_SIGNALED(UNIX_SIGABRT));
}

int abs(int x)
{
	return x < 0 ? -x : x;
}

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size)
{
	for (size_t k = 0; k < size; k++) {
		unsigned char t = a[k];
		a[k] = b[k];
		b[k] = t;
	}
}

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	unsigned char *a = base;
	for (size_t gap = n / 2; gap > 0; gap /= 2)
		for (size_t i = gap; i < n; i++)
			for (size_t j = i; j >= gap && cmp(a + (j - gap) * size, a + j * size) > 0;
			     j -= gap)
				swap_bytes(a + (j - gap) * size, a + j * size, size);
}

int exos_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

long labs(long x)
{
	return x < 0 ? -x : x;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

static int is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Parses an optionally signed integer as strtoull does; *neg gets the sign.
 * Saturates at ULLONG_MAX on overflow. */
static unsigned long long parse(const char *s, char **end, int base, int *neg)
{
	const char *p = s;
	unsigned long long v = 0;
	int any = 0, overflow = 0;

	*neg = 0;
	while (is_space(*p))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	if (base < 2 || base > 36) {
		if (end)
			*end = (char *)s;
		return 0;
	}
	for (;; p++) {
		int d = digit_value(*p);

		if (d >= base)
			break;
		if (v > (~0ull - (unsigned)d) / (unsigned)base)
			overflow = 1;
		v = v * (unsigned)base + (unsigned)d;
		any = 1;
	}
	if (end)
		*end = (char *)(any ? p : s);
	return overflow ? ~0ull : v;
}

long long strtoll(const char *s, char **end, int base)
{
	int neg;
	unsigned long long v = parse(s, end, base, &neg);
	const unsigned long long max = (unsigned long long)__LONG_LONG_MAX__;

	if (neg)
		return v > max ? -__LONG_LONG_MAX__ - 1 : -(long long)v;
	return v > max ? __LONG_LONG_MAX__ : (long long)v;
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	int neg;
	unsigned long long v = parse(s, end, base, &neg);

	return neg ? -v : v;
}

long strtol(const char *s, char **end, int base)
{
	return strtoll(s, end, base);
}

unsigned long strtoul(const char *s, char **end, int base)
{
	return strtoull(s, end, base);
}

long atol(const char *s)
{
	return strtol(s, NULL, 10);
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

char *getenv(const char *name)
{
	size_t n = strlen(name);

	if (environ == NULL)
		return NULL;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}
