/* Formatted console output with as few kernel crossings as possible: every
 * crossing costs tens of microseconds under KVM on PVM (DESIGN.md §3).
 *
 * stdout collects output and writes it with one EXO_SYS_CONSOLE_WRITE when a
 * call has written a newline, when the buffer is full, at fflush() and at
 * exit().  stderr is written at the end of every call that wrote to it. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <exos/sys.h>

struct exo_file {
	int stream;     /* EXO_STDOUT or EXO_STDERR */
	int unbuffered; /* flush at the end of every call */
	int saw_nl;     /* a newline is in buf */
	size_t len;
	char *buf; /* BUFSIZ bytes */
};

/* The buffers are .bss, apart from the initialized structs: inside them they
 * made 8 KB of file data, which the kernel's loader copies into every native
 * program and ExOS at load (~1K emulated `rep movsq` iterations, ~0.6 ms on
 * KVM-on-PVM). */
static char out_buf[BUFSIZ], err_buf[BUFSIZ];
static struct exo_file out_file = {.stream = EXO_STDOUT, .buf = out_buf};
static struct exo_file err_file = {.stream = EXO_STDERR, .unbuffered = 1, .buf = err_buf};

FILE *const stdout = &out_file;
FILE *const stderr = &err_file;

static int file_flush(FILE *f)
{
	long r = 0;

	if (f->len > 0)
		r = exo_console_write_all(f->stream, f->buf, f->len);
	f->len = 0;
	f->saw_nl = 0;
	return r < 0 ? EOF : 0;
}

int fflush(FILE *f)
{
	if (f == NULL) {
		int a = file_flush(stdout), b = file_flush(stderr);
		return a | b;
	}
	return file_flush(f);
}

static inline void file_put(FILE *f, char c)
{
	f->buf[f->len++] = c;
	if (c == '\n')
		f->saw_nl = 1;
	if (f->len == BUFSIZ)
		file_flush(f);
}

/* Called at the end of each output call. */
static void file_end_call(FILE *f)
{
	if (f->unbuffered || f->saw_nl)
		file_flush(f);
}

/* Where formatted output goes: a FILE or a string of `size` bytes. */
struct sink {
	FILE *f;
	char *buf;
	size_t size;
	size_t n; /* characters produced so far */
};

static void sink_put(struct sink *s, char c)
{
	if (s->f)
		file_put(s->f, c);
	else if (s->n + 1 < s->size)
		s->buf[s->n] = c;
	s->n++;
}

static void sink_repeat(struct sink *s, char c, int n)
{
	while (n-- > 0)
		sink_put(s, c);
}

struct spec {
	int minus, plus, space, alt, zero;
	int width;
	int prec; /* -1: none */
};

static void emit_num(struct sink *s, unsigned long long v, int base, int upper, int neg,
                     const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, zeros, len, pad;
	char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
	const char *prefix = "";

	if (!(v == 0 && sp->prec == 0)) {
		unsigned long long x = v;

		do {
			tmp[n++] = digits[x % (unsigned)base];
			x /= (unsigned)base;
		} while (x);
	}
	if (sp->alt && base == 16 && v != 0)
		prefix = upper ? "0X" : "0x";
	else if (sp->alt && base == 8 && (n == 0 || tmp[n - 1] != '0'))
		prefix = "0";
	zeros = sp->prec > n ? sp->prec - n : 0;
	len = n + zeros + (sign ? 1 : 0) + (int)strlen(prefix);
	pad = sp->width > len ? sp->width - len : 0;
	if (sp->zero && !sp->minus && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->minus)
		sink_repeat(s, ' ', pad);
	if (sign)
		sink_put(s, sign);
	while (*prefix)
		sink_put(s, *prefix++);
	sink_repeat(s, '0', zeros);
	while (n > 0)
		sink_put(s, tmp[--n]);
	if (sp->minus)
		sink_repeat(s, ' ', pad);
}

static void emit_str(struct sink *s, const char *str, const struct spec *sp)
{
	size_t n;
	int pad;

	if (str == NULL)
		str = "(null)";
	n = sp->prec >= 0 ? strnlen(str, (size_t)sp->prec) : strlen(str);
	pad = sp->width > (int)n ? sp->width - (int)n : 0;
	if (!sp->minus)
		sink_repeat(s, ' ', pad);
	for (size_t i = 0; i < n; i++)
		sink_put(s, str[i]);
	if (sp->minus)
		sink_repeat(s, ' ', pad);
}

enum { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

static void format(struct sink *s, const char *fmt, va_list ap)
{
	while (*fmt) {
		struct spec sp = {.prec = -1};
		int len = LEN_INT;
		char c = *fmt++;

		if (c != '%') {
			sink_put(s, c);
			continue;
		}
		for (;; fmt++) {
			if (*fmt == '-')
				sp.minus = 1;
			else if (*fmt == '+')
				sp.plus = 1;
			else if (*fmt == ' ')
				sp.space = 1;
			else if (*fmt == '#')
				sp.alt = 1;
			else if (*fmt == '0')
				sp.zero = 1;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.minus = 1;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0)
					sp.prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		switch (*fmt) {
		case 'h':
			fmt++;
			len = LEN_SHORT;
			if (*fmt == 'h') {
				fmt++;
				len = LEN_CHAR;
			}
			break;
		case 'l':
			fmt++;
			len = LEN_LONG;
			if (*fmt == 'l') {
				fmt++;
				len = LEN_LLONG;
			}
			break;
		case 'z':
		case 'j':
		case 't':
			fmt++;
			len = LEN_SIZE;
			break;
		}

		c = *fmt;
		if (c == '\0')
			break;
		fmt++;
		switch (c) {
		case 'd':
		case 'i': {
			long long v;

			if (len == LEN_LONG || len == LEN_SIZE)
				v = va_arg(ap, long);
			else if (len == LEN_LLONG)
				v = va_arg(ap, long long);
			else
				v = va_arg(ap, int);
			if (len == LEN_CHAR)
				v = (signed char)v;
			else if (len == LEN_SHORT)
				v = (short)v;
			emit_num(s, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, 0,
			         v < 0, &sp);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			unsigned long long v;

			if (len == LEN_LONG || len == LEN_SIZE)
				v = va_arg(ap, unsigned long);
			else if (len == LEN_LLONG)
				v = va_arg(ap, unsigned long long);
			else
				v = va_arg(ap, unsigned int);
			if (len == LEN_CHAR)
				v = (unsigned char)v;
			else if (len == LEN_SHORT)
				v = (unsigned short)v;
			sp.plus = sp.space = 0;
			emit_num(s, v, c == 'u' ? 10 : c == 'o' ? 8 : 16, c == 'X', 0, &sp);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);

			sp.plus = sp.space = 0;
			if (v == 0) {
				emit_str(s, "0x0", &sp);
			} else {
				sp.alt = 1;
				emit_num(s, v, 16, 0, 0, &sp);
			}
			break;
		}
		case 'c': {
			char ch[2] = {(char)va_arg(ap, int), 0};

			/* emit_str would stop at a NUL character */
			sp.prec = -1;
			if (!sp.minus)
				sink_repeat(s, ' ', sp.width - 1);
			sink_put(s, ch[0]);
			if (sp.minus)
				sink_repeat(s, ' ', sp.width - 1);
			break;
		}
		case 's':
			emit_str(s, va_arg(ap, const char *), &sp);
			break;
		case '%':
			sink_put(s, '%');
			break;
		default: /* unknown conversion: print it as written */
			sink_put(s, '%');
			sink_put(s, c);
			break;
		}
	}
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	struct sink s = {.f = f};

	format(&s, fmt, ap);
	file_end_call(f);
	return (int)s.n;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {.buf = buf, .size = size};

	format(&s, fmt, ap);
	if (size > 0)
		buf[s.n < size ? s.n : size - 1] = '\0';
	return (int)s.n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	const char *c = p;
	size_t total = size * n;

	for (size_t i = 0; i < total; i++)
		file_put(f, c[i]);
	file_end_call(f);
	return n;
}

int fputs(const char *s, FILE *f)
{
	while (*s)
		file_put(f, *s++);
	file_end_call(f);
	return 0;
}

int puts(const char *s)
{
	while (*s)
		file_put(stdout, *s++);
	file_put(stdout, '\n');
	file_end_call(stdout);
	return 0;
}

int fputc(int c, FILE *f)
{
	file_put(f, (char)c);
	file_end_call(f);
	return (unsigned char)c;
}

int putc(int c, FILE *f)
{
	return fputc(c, f);
}

int putchar(int c)
{
	return fputc(c, stdout);
}
