/* One-line failures with exosim's documented exit statuses (include/exo/status.h). */
#ifndef HOSTSIM_FAIL_H
#define HOSTSIM_FAIL_H

#include <exo/status.h>

/* Prints "exosim: <message>" on one line to stderr and exits with status. */
_Noreturn void fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Flushed before exosim exits for any reason, so guest output is never lost. */
void fail_set_flush_hook(void (*hook)(void));

#endif
