/* random: getrandom returns the bytes asked for, two calls differ, not all zero;
 * GRND_NONBLOCK works; a bad buffer is EFAULT. */
#include <sys/random.h>
#include "check.h"

int main(void)
{
	unsigned char a[64], b[64];
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	CHECK(getrandom(a, sizeof a, 0) == (ssize_t)sizeof a, "getrandom 64 bytes");
	CHECK(getrandom(b, sizeof b, GRND_NONBLOCK) == (ssize_t)sizeof b, "getrandom GRND_NONBLOCK");
	CHECK(memcmp(a, b, sizeof a) != 0, "two calls give different bytes");
	int zero = 0;
	for (size_t i = 0; i < sizeof a; i++)
		zero += a[i] == 0;
	CHECK(zero < 16, "not (mostly) zero");
	static unsigned char big[100000];
	CHECK(getrandom(big, 256, 0) == 256, "getrandom 256 bytes");
	unsigned distinct = 0;
	int seen[256] = { 0 };
	for (int i = 0; i < 256; i++)
		if (!seen[big[i]]++)
			distinct++;
	CHECK(distinct > 64, "256 random bytes have more than 64 distinct values");
	CHECK(getrandom(a, 0, 0) == 0, "getrandom of 0 bytes returns 0");
	errno = 0;
	CHECK(getrandom((void *)8, 16, 0) == -1 && errno == EFAULT, "getrandom into a bad buffer is EFAULT (%s)",
	      errno_name(errno));
	errno = 0;
	CHECK(getrandom(a, 16, 0x40) == -1 && errno == EINVAL, "getrandom with unknown flags is EINVAL (%s)",
	      errno_name(errno));
	return check_exit();
}
