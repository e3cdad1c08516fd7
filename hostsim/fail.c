/* Failure reporting: one clear line, one documented status. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fail.h"

static void (*flush_hook)(void);

void fail_set_flush_hook(void (*hook)(void))
{
	flush_hook = hook;
}

_Noreturn void fail(int status, const char *fmt, ...)
{
	if (flush_hook)
		flush_hook();
	va_list ap;
	va_start(ap, fmt);
	fputs("exosim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(status);
}
