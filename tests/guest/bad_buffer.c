/* bad_buffer: console writes with bad arguments must fail cleanly, with
 * -EFAULT (-14) for a bad buffer and -EINVAL (-22) for a bad length or
 * stream, never a crash.  Then one good write.  Exits 0. */
#include <stdio.h>

#include <exos/sys.h>

static const char msg[] = "good write\n";

static void try(const char *what, int stream, const void *buf, size_t len)
{
	long r = exo_console_write(stream, buf, len);

	printf("%s: %ld\n", what, r);
}

int main(void)
{
	try("kernel address", EXO_STDOUT, (const void *)(EXO_KERNBASE + 0x100000), 16);
	try("unmapped user address", EXO_STDOUT, (const void *)0x500000000000ul, 16);
	try("address 0x1000", EXO_STDOUT, (const void *)0x1000ul, 16);
	try("exported page range", EXO_STDOUT, (const void *)EXO_UVPT, 16);
	try("top of the address space", EXO_STDOUT, (const void *)-4096ul, 16);
	try("buf+len overflows", EXO_STDOUT, (const void *)-16ul, 32);
	try("buf+len crosses the user top", EXO_STDOUT, (const void *)(EXO_USER_TOP - 8), 16);
	try("len > EXO_CONSOLE_WRITE_MAX", EXO_STDOUT, msg, EXO_CONSOLE_WRITE_MAX + 1ul);
	try("len = -1", EXO_STDOUT, msg, (size_t)-1);
	try("stream 0", 0, msg, sizeof(msg) - 1);
	try("stream 3", 3, msg, sizeof(msg) - 1);
	try("stream -1", -1, msg, sizeof(msg) - 1);
	fflush(stdout);
	try("good write", EXO_STDOUT, msg, sizeof(msg) - 1);
	return 0;
}
