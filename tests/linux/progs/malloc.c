/* malloc: a deterministic stress of malloc/free/realloc/calloc over many sizes (a few
 * bytes to several MiB, so both the heap and mmap paths run), every block filled with a
 * pattern that is verified before it is freed or after it is moved by realloc. */
#include <stdint.h>
#include <stdlib.h>
#include "check.h"

#define SLOTS 512
#define OPS 5000

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t pick_size(void)
{
	uint64_t r = next() % 1000;
	if (r < 600)
		return 1 + next() % 128;
	if (r < 900)
		return 129 + next() % 4000;
	if (r < 995)
		return 4096 + next() % 120000;
	return 131072 + next() % (3u << 20); /* mmap-sized */
}

struct slot {
	unsigned char *p;
	size_t n;
	unsigned char seed;
};

static void fill(struct slot *s)
{
	/* the pattern is written sparsely for big blocks to keep the test quick */
	size_t step = s->n > 65536 ? 4093 : 1;
	for (size_t i = 0; i < s->n; i += step)
		s->p[i] = (unsigned char)(s->seed + i * 7);
	s->p[s->n - 1] = (unsigned char)(s->seed + (s->n - 1) * 7);
}

static int verify(const struct slot *s, size_t upto)
{
	size_t step = s->n > 65536 ? 4093 : 1;
	for (size_t i = 0; i < upto && i < s->n; i += step)
		if (s->p[i] != (unsigned char)(s->seed + i * 7))
			return 0;
	return 1;
}

int main(void)
{
	static struct slot slots[SLOTS];
	unsigned long bad = 0, mallocs = 0, frees = 0, reallocs = 0, callocs = 0;
	uint64_t checksum = 0;

	for (int op = 0; op < OPS; op++) {
		struct slot *s = &slots[next() % SLOTS];
		unsigned r = next() % 10;
		if (!s->p) {
			s->n = pick_size();
			s->seed = (unsigned char)next();
			if (r < 2) {
				s->p = calloc(1, s->n);
				callocs++;
				if (!s->p) { bad++; continue; }
				for (size_t i = 0; i < s->n; i += (s->n > 65536 ? 509 : 1))
					if (s->p[i]) { bad++; break; }
			} else {
				s->p = malloc(s->n);
				mallocs++;
				if (!s->p) { bad++; continue; }
			}
			if (((uintptr_t)s->p & 15) != 0)
				bad++;
			fill(s);
		} else if (r < 3) {
			size_t nn = pick_size();
			unsigned char *q = realloc(s->p, nn);
			reallocs++;
			if (!q) { bad++; continue; }
			s->p = q;
			if (!verify(s, nn < s->n ? nn : s->n))
				bad++;
			s->n = nn;
			fill(s);
		} else {
			if (!verify(s, s->n))
				bad++;
			checksum = checksum * 31 + s->p[s->n / 2] + s->n;
			free(s->p);
			frees++;
			s->p = NULL;
		}
	}
	for (int i = 0; i < SLOTS; i++) {
		if (slots[i].p) {
			if (!verify(&slots[i], slots[i].n))
				bad++;
			checksum = checksum * 31 + slots[i].n;
			free(slots[i].p);
		}
	}
	printf("mallocs %lu callocs %lu reallocs %lu frees %lu\n", mallocs, callocs, reallocs, frees);
	printf("checksum %016llx\n", (unsigned long long)checksum);
	CHECK(bad == 0, "every block kept its contents (%lu bad)", bad);

	/* edge cases */
	void *z = malloc(0);
	free(z);
	CHECK(realloc(NULL, 10) != NULL, "realloc(NULL, 10)");
	errno = 0;
	void *huge = malloc((size_t)1 << 60);
	CHECK(huge == NULL && errno == ENOMEM, "malloc(2^60) fails with ENOMEM (%s)", errno_name(errno));
	errno = 0;
	volatile size_t big = (size_t)1 << 40;
	CHECK(calloc(big, big) == NULL, "calloc overflow fails");
	return check_exit();
}
