/* argsum: how many arguments and environment variables arrived, their bytes, the
 * longest, and an FNV-1a hash of all of them in order (argv[0] aside: it names the
 * binary, which differs between builds).  A long command line must arrive whole.
 * Built twice: with musl as a Linux program, and with the exokernel runtime as a
 * native one (tests/guest), so both can be compared with the same native run. */
#include <stdio.h>
#include <string.h>

static unsigned long hash = 14695981039346656037ul, bytes, longest;

static void add(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i <= n; i++)
		hash = (hash ^ (unsigned char)s[i]) * 1099511628211ul;
	bytes += n + 1;
	longest = n > longest ? n : longest;
}

int main(int argc, char **argv, char **envp)
{
	for (int i = 1; i < argc; i++)
		add(argv[i]);
	int envc = 0;
	for (; envp[envc]; envc++)
		add(envp[envc]);
	printf("argc %d envc %d bytes %lu longest %lu hash %016lx\n", argc, envc, bytes, longest,
	       hash);
	return argv[argc] != NULL;
}
