/* A small freestanding stdlib.h. */
#ifndef EXOS_STDLIB_H
#define EXOS_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

extern char **environ;

/* Flushes stdio, then ends the program with status & 0xff (as Linux does).
 * A status exosim reserves (120..127, <exo/status.h>) is refused by the
 * kernel: exit() then reports it on stderr and exits with status 1. */
_Noreturn void exit(int status);
_Noreturn void abort(void); /* flushes, then status 134 (128 + SIGABRT) */

int atoi(const char *s);
long atol(const char *s);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
int abs(int x);
long labs(long x);
/* Sorts n elements of `size` bytes at base by cmp (not stable: a Shell sort,
 * no allocation; fine for the few thousand elements ExOS and its tests sort). */
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
/* cmp for qsort over uint64_t values, ascending. */
int exos_cmp_u64(const void *a, const void *b);
char *getenv(const char *name);

#endif
