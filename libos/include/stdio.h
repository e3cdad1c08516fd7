/* A small freestanding stdio: formatted output to the console.
 *
 * stdout is line-buffered: output is collected and written with one kernel
 * crossing when a call has written a newline, when the buffer fills, at
 * fflush() and at exit().  stderr is written once at the end of every call
 * (no buffering across calls).  Both go through EXO_SYS_CONSOLE_WRITE.
 *
 * printf conversions: d i u x X o c s p %, flags - 0 + space #, width and
 * precision (number or *), length modifiers hh h l ll z j t.  No floating
 * point. */
#ifndef EXOS_STDIO_H
#define EXOS_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF    (-1)
#define BUFSIZ 4096

typedef struct exo_file FILE;

extern FILE *const stdout;
extern FILE *const stderr;

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int vfprintf(FILE *f, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

int puts(const char *s);
int fputs(const char *s, FILE *f);
int putchar(int c);
int fputc(int c, FILE *f);
int putc(int c, FILE *f);
size_t fwrite(const void *p, size_t size, size_t n, FILE *f);
int fflush(FILE *f); /* NULL flushes every stream */

#endif
