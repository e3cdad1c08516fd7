/* blkcat: writes blocks of a disk to stdout, through ExOS's block interface.
 *
 *   blkcat [-d DISK] [FIRST [COUNT]]
 *
 * Reads COUNT blocks (default: to the end of the disk) from block FIRST
 * (default 0) of disk DISK (default 0; exo_kinfo()->disk[], in the order of
 * exosim's --disk options) with its root extent, which the first environment
 * holds.  Reads run ahead of the output: NBUF requests of up to CHUNK bytes in
 * flight, written out in order as they complete.  Exit status 0, or 1 with a
 * line on stderr (bad arguments, no such disk, a failed read, output refused). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exos/blk.h>

#define NBUF  4
#define CHUNK (256u * 1024u)

static int fail(const char *what, long err)
{
	fprintf(stderr, "blkcat: %s%s%s\n", what, err ? ": " : "", err ? exos_strerror(err) : "");
	return 1;
}

static int number(const char *s, uint64_t *out)
{
	char *end;
	*out = strtoull(s, &end, 0);
	return *s && !*end ? 0 : -1;
}

int main(int argc, char **argv)
{
	uint64_t disk = 0, first = 0, count = ~0ul;
	int a = 1;
	if (a + 1 < argc && !strcmp(argv[a], "-d") && !number(argv[a + 1], &disk))
		a += 2;
	if ((a < argc && number(argv[a], &first)) ||
	    (a + 1 < argc && number(argv[a + 1], &count)) || argc > a + 2 ||
	    (a < argc && argv[a][0] == '-'))
		return fail("usage: blkcat [-d DISK] [FIRST [COUNT]]", 0);

	struct exos_blk b;
	int root = disk < EXO_DISK_MAX ? exos_blk_root((unsigned)disk) : -EXO_ENOENT;
	long r = root < 0 ? root : exos_blk_open(&b, root);
	if (r < 0)
		return fail("no such disk", r);
	if (first > b.nblocks || (count != ~0ul && count > b.nblocks - first))
		return fail("the blocks asked for are past the end of the disk", -EXO_ENXIO);
	if (count == ~0ul)
		count = b.nblocks - first;

	static struct exos_blk_io io[NBUF];
	for (int i = 0; i < NBUF; i++)
		if (!(io[i].buf = exos_blk_buffer(CHUNK)))
			return fail("out of memory", -EXO_ENOMEM);
	uint32_t per = CHUNK / b.block_size;
	uint64_t next = first, end = first + count;
	/* io[i % NBUF] carries the i-th chunk; submitted ahead, written in order. */
	for (uint64_t out = 0, in = 0; next < end || out < in;) {
		while (in - out < NBUF && next < end) {
			struct exos_blk_io *c = &io[in % NBUF];
			c->op = EXO_DISK_READ;
			c->block = next;
			c->nblocks = end - next < per ? (uint32_t)(end - next) : per;
			if ((r = exos_blk_submit(&b, c, 1)) < 0)
				return fail("read", r);
			if (r == 0)
				break; /* the queue is full: write some out first */
			next += c->nblocks;
			in++;
		}
		if (out == in) { /* other environments fill the queue */
			exo_yield();
			continue;
		}
		struct exos_blk_io *c = &io[out % NBUF];
		if ((r = exos_blk_wait(c, 1)) < 0)
			return fail("read", r);
		size_t bytes = (size_t)c->nblocks * b.block_size;
		if (exo_console_write_all(EXO_STDOUT, c->buf, bytes) != (long)bytes)
			return fail("cannot write to stdout", 0);
		out++;
	}
	return 0;
}
