/* Out-of-line exokernel call helpers (the rest are inline in <exos/sys.h>). */
#include <exos/sys.h>

uint64_t exos_boot_marks[EXO_NMARKS];

_Noreturn void exo_exit(int status)
{
	exo_exit_status(status);
	/* Refused (a reserved status or one out of range): report failure. */
	exo_exit_status(1);
	for (;;)
		__builtin_trap(); /* ud2: the kernel kills us (status 132) */
}

long exo_console_write_all(int stream, const void *buf, size_t len)
{
	const char *p = buf;
	size_t left = len;

	while (left > 0) {
		size_t n = left < EXO_CONSOLE_WRITE_MAX ? left : EXO_CONSOLE_WRITE_MAX;
		long r = exo_console_write(stream, p, n);

		if (r < 0)
			return r;
		if (r == 0)
			return -EXO_EINVAL; /* no progress: do not spin */
		p += r;
		left -= (size_t)r;
	}
	return (long)len;
}
