/* stdio_test: the libOS's formatted output, in the guest.  Prints a fixed set of
 * conversions, a 9000-character line (more than the 4 KiB stdout buffer, so it
 * leaves in several writes that must arrive whole and in order), a line written
 * with snprintf, and parses numbers.  Compared byte for byte with
 * tests/integration/expected/stdio_test.out.  Exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char buf[32];
	int n;

	printf("[%d] [%i] [%u] [%x] [%X] [%o]\n", -5, 42, 3000000000u, 0xdeadu, 0xbeefu, 8);
	printf("[%ld] [%lu] [%lx] [%lld] [%zu]\n", -1234567890123l, 18446744073709551615ul,
	       0x7f8000000000ul, -9223372036854775807ll - 1, sizeof(long));
	printf("[%5d] [%-5d] [%05d] [%+d] [%.3d] [%*d]\n", 42, 42, -42, 5, 7, 4, 9);
	printf("[%s] [%6s] [%-6s] [%.2s] [%c] [%%] [%p] [%p]\n", "abc", "abc", "abc", "abc", 'x',
	       (void *)0x401000, (void *)0);
	for (int i = 0; i < 9000; i++)
		putchar('a' + i % 26);
	putchar('\n');
	n = snprintf(buf, 8, "%s-%d", "truncated", 12345);
	puts(buf);
	printf("snprintf returned %d\n", n);
	printf("atoi %d strtol %ld %ld strcmp %d memcmp %d strlen %zu\n", atoi("-17"),
	       strtol("0x7f", NULL, 0), strtol("0755", NULL, 0), strcmp("abc", "abd") < 0,
	       memcmp("xy", "xy", 2), strlen("hello"));
	fprintf(stderr, "stdio_test: to stderr\n");
	printf("no newline at exit");
	return 0;
}
