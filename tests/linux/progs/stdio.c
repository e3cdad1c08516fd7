/* stdio: printf (integers, floating point, widths), fputs, puts, fwrite, setvbuf,
 * fflush mixed with write(2), a large buffered output, and stderr. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
	printf("ints: %d %i %u %ld %lld %hhd %hd\n", -42, INT_MAX, UINT_MAX, LONG_MIN, LLONG_MAX,
	       (signed char)200, (short)-3);
	printf("hex: %x %X %#x %o %#o %p\n", 0xbeefu, 0xcafeu, 255u, 8u, 8u, (void *)0x1000);
	printf("width: [%5d] [%-5d] [%05d] [%+d] [% d] [%.3d] [%*d]\n", 42, 42, 42, 42, 42, 7, 6, 9);
	printf("str: [%s] [%10s] [%-10s] [%.2s] [%c]\n", "abc", "right", "left", "trunc", 'z');
	printf("size: %zu %zd %jd %td\n", sizeof(long double), (ssize_t)-1, (intmax_t)1 << 40,
	       (ptrdiff_t)-5);
	double vals[] = { 0.0, -0.0, 1.0, -1.5, 3.141592653589793, 1e-300, 6.02214076e23,
			  DBL_MAX, DBL_MIN, 5e-324, 0.1, 2.5, 1.0 / 3.0 };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
		printf("fp: %f %.3f %e %.10g %g %a\n", vals[i], vals[i], vals[i], vals[i], vals[i],
		       vals[i]);
	printf("special: %f %f %f %F %e\n", INFINITY, -INFINITY, NAN, INFINITY, -NAN);
	printf("long double: %Lf %.20Lg %La\n", 1.0L / 3.0L, 2.0L / 7.0L, 0.1L);
	printf("float math: %.15g %.15g %.15g %.15g\n", sqrt(2.0), exp(1.0), log(10.0), sin(1.0));
	printf("round: %.0f %.0f %.0f %.0f %.1f\n", 0.5, 1.5, 2.5, -0.5, 0.05);

	char buf[64];
	int n = snprintf(buf, sizeof buf, "%s-%d-%.2f", "snprintf", 12, 3.14159);
	printf("snprintf: %d [%s]\n", n, buf);
	n = snprintf(buf, 8, "%s", "truncated output");
	printf("snprintf truncated: %d [%s]\n", n, buf);
	double d = strtod("1.7976931348623157e308", NULL);
	CHECK(d == DBL_MAX, "strtod DBL_MAX round trip");
	CHECK(strtod("0x1.8p1", NULL) == 3.0, "strtod hex float");
	long l = strtol("-0x7fffffffffffffff", NULL, 16);
	printf("strtol: %ld\n", l);

	fputs("fputs line\n", stdout);
	puts("puts line");
	fwrite("fwrite bytes\n", 1, 13, stdout);
	putchar('c');
	putchar('\n');
	fputs("stderr: fputs\n", stderr);
	fprintf(stderr, "stderr: fprintf %d %.2f\n", 7, 2.75);

	/* stdio then write(2): ordered only if stdio is flushed first */
	printf("before write");
	fflush(stdout);
	write(1, " | write(2)\n", 12);
	write(2, "stderr: write(2)\n", 17);

	/* a fully buffered stream with a small buffer, and a large output */
	static char vbuf[128];
	setvbuf(stdout, vbuf, _IOFBF, sizeof vbuf);
	unsigned long sum = 0;
	for (int i = 0; i < 3000; i++) {
		printf("%04d:%08x%c", i, (unsigned)(i * 2654435761u), (i % 8 == 7) ? '\n' : ' ');
		sum += (unsigned)(i * 2654435761u) & 0xff;
	}
	printf("\nbig output sum %lu\n", sum);
	static char block[20000];
	for (size_t i = 0; i < sizeof block; i++)
		block[i] = (i % 61 == 60) ? '\n' : (char)('A' + i % 26);
	CHECK(fwrite(block, 1, sizeof block, stdout) == sizeof block, "fwrite of 20000 bytes");
	printf("\n");
	CHECK(fflush(stdout) == 0, "fflush");
	CHECK(ferror(stdout) == 0, "no stdout error");
	return check_exit();
}
