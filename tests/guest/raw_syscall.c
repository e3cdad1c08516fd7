/* raw_syscall: enters the kernel with a bare `syscall` instruction instead of
 * the gate, for every call it makes: a null call, two console writes (stdout
 * and stderr) and the exit.  Proves the second entry path.  Exits 0; if the
 * raw exit returns, says so (through the gate) and exits 1. */
#include <stddef.h>

#include <exos/sys.h>

static long raw_write(int stream, const char *s, size_t len)
{
	return exo_syscall_raw3(EXO_SYS_CONSOLE_WRITE, stream, (long)s, (long)len);
}

int main(void)
{
	static const char out[] = "raw_syscall: hello via syscall\n";
	static const char err[] = "raw_syscall: stderr via syscall\n";
	static const char ok[] = "raw_syscall: null call returned 0\n";
	static const char bad[] = "raw_syscall: null call failed\n";
	static const char back[] = "raw_syscall: raw exit returned\n";

	if (raw_write(EXO_STDOUT, out, sizeof(out) - 1) != (long)sizeof(out) - 1)
		exo_exit(2);
	raw_write(EXO_STDERR, err, sizeof(err) - 1);
	if (exo_syscall_raw0(EXO_SYS_NULL) == 0)
		raw_write(EXO_STDOUT, ok, sizeof(ok) - 1);
	else
		raw_write(EXO_STDOUT, bad, sizeof(bad) - 1);
	exo_syscall_raw1(EXO_SYS_EXIT, 0);
	exo_console_write(EXO_STDOUT, back, sizeof(back) - 1);
	exo_exit(1);
}
