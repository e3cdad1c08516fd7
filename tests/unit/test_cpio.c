/* cpio: the host writer (hostsim/cpio_build.c) and the kernel reader (lib/cpio.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio.h"
#include "cpio_build.h"
#include "unit.h"

static const char hello[] = "hello, world\n";
static uint8_t blob[1001];

struct expect {
	const char *name;
	const void *data;
	size_t size;
	uint32_t mode;
};

/* The archive built by build_sample, in order. */
static const struct expect sample[] = {
        {"etc", NULL, 0, S_IFDIR | 0755},   {"etc/hello", hello, sizeof(hello) - 1, S_IFREG | 0644},
        {"empty", NULL, 0, S_IFREG | 0600}, {"bin/app", blob, sizeof(blob), S_IFREG | 0755},
        {"a", "x", 1, S_IFREG | 0444},      {"ab", "xy", 2, S_IFREG | 0444},
};

static void build_sample(struct cpio_builder *b)
{
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 7 + 3);
	cpio_builder_init(b);
	ck_assert_int_eq(cpio_add_dir(b, "/etc", 0755), 0);
	ck_assert_int_eq(cpio_add_file(b, "/etc/hello", hello, sizeof(hello) - 1, 0644), 0);
	ck_assert_int_eq(cpio_add_file(b, "./empty", NULL, 0, 0600), 0);
	ck_assert_int_eq(cpio_add_file(b, "bin/app", blob, sizeof(blob), S_IFREG | 0755), 0);
	ck_assert_int_eq(cpio_add_file(b, "a", "x", 1, 0444), 0);
	ck_assert_int_eq(cpio_add_file(b, "ab", "xy", 2, 0444), 0);
	ck_assert_int_eq(cpio_finish(b), 0);
	ck_assert_int_eq(b->failed, 0);
	ck_assert_uint_eq(b->len % 4, 0);
}

/* A copy in a buffer of exactly len bytes, so that ASan sees any read past the end. */
static uint8_t *exact_copy(const void *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(c);
	memcpy(c, p, len);
	return c;
}

/* Walks the whole archive; returns the final cpio_next result (END or an error). */
static int walk(const void *a, size_t len, int *entries)
{
	struct cpio_entry e;
	size_t pos = 0;
	int r, n = 0;

	while ((r = cpio_next(a, len, &pos, &e)) == CPIO_OK) {
		ck_assert_uint_le(pos, len);
		/* name and data lie inside the archive */
		ck_assert((const char *)e.data >= (const char *)a);
		ck_assert((const char *)e.data + e.size <= (const char *)a + len);
		ck_assert(e.name >= (const char *)a);
		ck_assert(e.name + e.namelen + 1 <= (const char *)a + len);
		ck_assert_int_lt(++n, 1000);
	}
	if (entries)
		*entries = n;
	return r;
}

START_TEST(roundtrip)
{
	struct cpio_builder b;
	struct cpio_entry e;
	size_t pos = 0;

	build_sample(&b);
	uint8_t *a = exact_copy(b.buf, b.len);
	for (size_t i = 0; i < sizeof(sample) / sizeof(sample[0]); i++) {
		ck_assert_int_eq(cpio_next(a, b.len, &pos, &e), CPIO_OK);
		ck_assert_uint_eq(e.namelen, strlen(sample[i].name));
		ck_assert_str_eq(e.name, sample[i].name);
		ck_assert_uint_eq(e.size, sample[i].size);
		ck_assert_uint_eq(e.mode, sample[i].mode);
		if (e.size)
			ck_assert_mem_eq(e.data, sample[i].data, e.size);
		/* file data starts on a page of the archive, to be mapped in place */
		if (e.size)
			ck_assert_uint_eq((size_t)(e.data - a) % CPIO_DATA_ALIGN, 0);
		ck_assert_uint_eq(pos % 4, 0);
	}
	ck_assert_int_eq(cpio_next(a, b.len, &pos, &e), CPIO_END);
	ck_assert_str_eq(e.name, "TRAILER!!!");
	ck_assert_uint_eq(pos, b.len);
	/* Reading past the end is an error, not another END. */
	ck_assert_int_eq(cpio_next(a, b.len, &pos, &e), CPIO_ETRUNC);
	free(a);
	cpio_builder_free(&b);
	ck_assert_ptr_null(b.buf);
}
END_TEST

START_TEST(find)
{
	struct cpio_builder b;
	struct cpio_entry e;
	static const char *const ways[] = {"etc/hello", "/etc/hello", "./etc/hello",
	                                   "//./etc/hello"};

	build_sample(&b);
	for (size_t i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
		memset(&e, 0, sizeof(e));
		ck_assert_int_eq(cpio_find(b.buf, b.len, ways[i], &e), CPIO_OK);
		ck_assert_uint_eq(e.size, sizeof(hello) - 1);
		ck_assert_mem_eq(e.data, hello, e.size);
	}
	ck_assert_int_eq(cpio_find(b.buf, b.len, "/etc", &e), CPIO_OK);
	ck_assert_uint_eq(e.mode, S_IFDIR | 0755);
	ck_assert_int_eq(cpio_find(b.buf, b.len, "empty", &e), CPIO_OK);
	ck_assert_uint_eq(e.size, 0);
	ck_assert_int_eq(cpio_find(b.buf, b.len, "ab", &e), CPIO_OK);
	ck_assert_mem_eq(e.data, "xy", 2);
	/* Prefixes and extensions of a name are different names. */
	ck_assert_int_eq(cpio_find(b.buf, b.len, "etc/hell", &e), CPIO_END);
	ck_assert_int_eq(cpio_find(b.buf, b.len, "etc/hello2", &e), CPIO_END);
	ck_assert_int_eq(cpio_find(b.buf, b.len, "nothere", &e), CPIO_END);
	cpio_builder_free(&b);
}
END_TEST

/* Entries named "./x" in the archive (as `find . | cpio -o` writes them) match "x". */
START_TEST(find_dot_slash_in_archive)
{
	char a[512];
	/* header, "./x\0", 2 bytes of padding, "hi", 2 bytes of padding, then the trailer */
	int n = snprintf(a, sizeof(a),
	                 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s%c%c%c%s%c%c"
	                 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s%c",
	                 1, 0100644, 0, 0, 1, 0, 2, 0, 0, 0, 0, 4, 0, "./x", 0, 0, 0, "hi", 0, 0, 0,
	                 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 11, 0, "TRAILER!!!", 0);
	struct cpio_entry e;

	ck_assert_int_eq(n, 120 + 110 + 11);
	ck_assert_int_eq(cpio_find(a, (size_t)n, "/x", &e), CPIO_OK);
	ck_assert_mem_eq(e.data, "hi", 2);
	ck_assert_int_eq(cpio_find(a, (size_t)n, "x", &e), CPIO_OK);
	ck_assert_int_eq(cpio_find(a, (size_t)n, "./x", &e), CPIO_OK);
	/* the trailer's padding is missing: still a clean end */
	ck_assert_int_eq(walk(a, (size_t)n, NULL), CPIO_END);
}
END_TEST

/* A name field padded with NULs (as the writer aligns data) names what precedes
 * the first NUL; the data follows the whole field. */
START_TEST(padded_name)
{
	char a[256];
	struct cpio_entry e;
	size_t pos = 0;
	/* namesize 10: "ab" and 8 NULs; 110 + 10 = 120 is 4-aligned, data "xyz" */
	int n = snprintf(a, sizeof(a), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
	                 1, 0100644, 0, 0, 1, 0, 3, 0, 0, 0, 0, 10, 0);

	ck_assert_int_eq(n, 110);
	memcpy(a + 110, "ab\0\0\0\0\0\0\0\0xyz\0", 14);
	ck_assert_int_eq(cpio_next(a, 124, &pos, &e), CPIO_OK);
	ck_assert_uint_eq(e.namelen, 2);
	ck_assert_str_eq(e.name, "ab");
	ck_assert_ptr_eq(e.data, (const uint8_t *)a + 120);
	ck_assert_mem_eq(e.data, "xyz", 3);
	ck_assert_uint_eq(pos, 124);
	ck_assert_int_eq(cpio_find(a, 124, "/ab", &e), CPIO_OK);
}
END_TEST

/* Every non-empty file's data is page-aligned in the archive whatever the
 * lengths of the names and data before it; empty files and directories take
 * no padding. */
START_TEST(data_page_aligned)
{
	struct cpio_builder b;
	struct cpio_entry e;
	char name[64];
	static uint8_t data[9000];
	size_t pos = 0, files = 0;
	int r;

	cpio_builder_init(&b);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "dir%d/%.*s", i, i,
		         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN");
		ck_assert_int_eq(cpio_add_dir(&b, name, 0755), 0);
		strcat(name, "/f");
		ck_assert_int_eq(
		        cpio_add_file(&b, name, data, (size_t)(i * 229) % sizeof(data), 0644), 0);
	}
	ck_assert_int_eq(cpio_finish(&b), 0);
	while ((r = cpio_next(b.buf, b.len, &pos, &e)) == CPIO_OK) {
		if (e.size) {
			ck_assert_uint_eq((size_t)(e.data - b.buf) % CPIO_DATA_ALIGN, 0);
			files++;
		}
		/* the padding never costs a page: it fills the one page the header is on */
		ck_assert_uint_lt((size_t)((const uint8_t *)e.name - b.buf) + e.namelen + 1 +
		                          CPIO_DATA_ALIGN,
		                  (size_t)(e.data - b.buf) + 2 * CPIO_DATA_ALIGN);
	}
	ck_assert_int_eq(r, CPIO_END);
	ck_assert_uint_eq(files, 39);
	cpio_builder_free(&b);
}
END_TEST

/* Every proper prefix of a valid archive: an error, or END once the trailer's name is
 * complete; never a read outside the prefix (the copy is exactly that long). */
START_TEST(truncated_everywhere)
{
	struct cpio_builder b;
	struct cpio_entry e;
	size_t trailer_at;

	build_sample(&b);
	ck_assert_int_eq(cpio_find(b.buf, b.len, "TRAILER!!!", &e), CPIO_END);
	trailer_at = (size_t)((const uint8_t *)e.name - b.buf);
	for (size_t len = 0; len < b.len; len++) {
		uint8_t *a = exact_copy(b.buf, len);
		int n, r = walk(a, len, &n);

		if (len >= trailer_at + sizeof("TRAILER!!!"))
			ck_assert_int_eq(r, CPIO_END);
		else
			ck_assert_msg(r < 0, "len %zu: %d (%s)", len, r, cpio_strerror(r));
		ck_assert_int_le(cpio_find(a, len, "nothere", &e), 0);
		free(a);
	}
	cpio_builder_free(&b);
}
END_TEST

START_TEST(garbage)
{
	uint8_t junk[300];
	struct cpio_entry e;
	size_t pos = 0;

	srand(1);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rand();
	junk[0] = 'x';
	ck_assert_int_eq(cpio_next(junk, sizeof(junk), &pos, &e), CPIO_EMAGIC);
	ck_assert_uint_eq(pos, 0);
	ck_assert_int_eq(cpio_next(junk, 0, &pos, &e), CPIO_ETRUNC);
	ck_assert_int_eq(cpio_find(junk, sizeof(junk), "x", &e), CPIO_EMAGIC);
	/* pos beyond len */
	pos = 1000;
	ck_assert_int_eq(cpio_next(junk, sizeof(junk), &pos, &e), CPIO_ETRUNC);
}
END_TEST

/* A one-entry archive with the given fields, for the header error tests; returns len. */
static size_t one_entry(char *a, size_t cap, const char *magic, const char *mode,
                        const char *filesize, const char *namesize, const char *name,
                        size_t namebytes)
{
	int n = snprintf(a, cap, "%s%08X%s%08X%08X%08X%08X%s%08X%08X%08X%08X%s%08X", magic, 1, mode,
	                 0, 0, 1, 0, filesize, 0, 0, 0, 0, namesize, 0);

	ck_assert_int_eq(n, 110);
	memcpy(a + 110, name, namebytes);
	return 110 + namebytes;
}

START_TEST(header_errors)
{
	char a[256];
	struct cpio_entry e;
	size_t len, pos;

#define NEXT(len) (pos = 0, cpio_next(a, (len), &pos, &e))
	/* the base case is valid: a 1-byte name "f" and no data */
	len = one_entry(a, sizeof(a), "070701", "000081A4", "00000000", "00000002", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_OK);
	ck_assert_str_eq(e.name, "f");
	ck_assert_uint_eq(e.mode, 0100644);
	ck_assert_uint_eq(pos, 112);
	/* crc variant, lowercase hex */
	len = one_entry(a, sizeof(a), "070702", "000081a4", "00000000", "00000002", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_OK);
	ck_assert_uint_eq(e.mode, 0100644);
	/* old formats and junk magic */
	len = one_entry(a, sizeof(a), "070707", "000081A4", "00000000", "00000002", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_EMAGIC);
	len = one_entry(a, sizeof(a), "170701", "000081A4", "00000000", "00000002", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_EMAGIC);
	/* bad hex digits in each decoded field */
	len = one_entry(a, sizeof(a), "070701", "000081G4", "00000000", "00000002", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_EHEX);
	len = one_entry(a, sizeof(a), "070701", "000081A4", "0000000 ", "00000002", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_EHEX);
	len = one_entry(a, sizeof(a), "070701", "000081A4", "00000000", "-0000002", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_EHEX);
	len = one_entry(a, sizeof(a), "070701", "000081A4", "00000000", "0000000:", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_EHEX);
	/* huge sizes: must not wrap around */
	len = one_entry(a, sizeof(a), "070701", "000081A4", "00000000", "FFFFFFFF", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_ETRUNC);
	len = one_entry(a, sizeof(a), "070701", "000081A4", "FFFFFFFF", "00000002", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_ETRUNC);
	len = one_entry(a, sizeof(a), "070701", "000081A4", "FFFFFFFD", "00000002", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_ETRUNC);
	/* names: empty namesize, missing NUL, NUL not at namesize-1 */
	len = one_entry(a, sizeof(a), "070701", "000081A4", "00000000", "00000000", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_ENAME);
	len = one_entry(a, sizeof(a), "070701", "000081A4", "00000000", "00000002", "fg\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_ENAME);
	len = one_entry(a, sizeof(a), "070701", "000081A4", "00000000", "00000001", "f\0\0", 4);
	ck_assert_int_eq(NEXT(len), CPIO_ENAME);
	/* data larger than what is left */
	len = one_entry(a, sizeof(a), "070701", "000081A4", "00000005", "00000002", "f\0abcd", 6);
	ck_assert_int_eq(NEXT(len), CPIO_ETRUNC);
	len = one_entry(a, sizeof(a), "070701", "000081A4", "00000004", "00000002", "f\0abcd", 6);
	ck_assert_int_eq(NEXT(len), CPIO_OK);
	ck_assert_mem_eq(e.data, "abcd", 4);
#undef NEXT
}
END_TEST

/* A bad digit in any of the 13 fields is refused, in the fields no reader uses too
 * (ino, uid, gid, nlink, devices, check): every reader refuses the same archives. */
START_TEST(every_field_hex)
{
	char a[256];
	struct cpio_entry e;
	size_t len, pos;

	for (int field = 0; field < 13; field++)
		for (int digit = 0; digit < 8; digit += 7) {
			len = one_entry(a, sizeof(a), "070701", "000081A4", "00000000", "00000002",
			                "f\0\0", 4);
			a[6 + 8 * field + digit] = field & 1 ? 'g' : ' ';
			pos = 0;
			ck_assert_msg(cpio_next(a, len, &pos, &e) == CPIO_EHEX, "field %d digit %d",
			              field, digit);
			ck_assert_uint_eq(pos, 0);
		}
}
END_TEST

/* A name that runs to the end of the archive without its NUL. */
START_TEST(name_without_nul_at_end)
{
	char a[256];
	struct cpio_entry e;
	size_t len, pos = 0;

	len = one_entry(a, sizeof(a), "070701", "000081A4", "00000000", "00000004", "abcd", 4);
	uint8_t *c = exact_copy(a, len);
	ck_assert_int_eq(cpio_next(c, len, &pos, &e), CPIO_ENAME);
	free(c);
}
END_TEST

START_TEST(no_trailer)
{
	struct cpio_builder b;
	struct cpio_entry e;
	int n;

	cpio_builder_init(&b);
	ck_assert_int_eq(cpio_add_file(&b, "x", "abc", 3, 0644), 0);
	ck_assert_int_eq(cpio_add_file(&b, "y", "", 0, 0644), 0);
	uint8_t *a = exact_copy(b.buf, b.len);
	ck_assert_int_eq(walk(a, b.len, &n), CPIO_ETRUNC);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(cpio_find(a, b.len, "y", &e), CPIO_OK);
	ck_assert_int_eq(cpio_find(a, b.len, "z", &e), CPIO_ETRUNC);
	free(a);
	cpio_builder_free(&b);
}
END_TEST

START_TEST(writer_rejects)
{
	struct cpio_builder b;
	static const char byte = 0;

	cpio_builder_init(&b);
	ck_assert_int_eq(cpio_add_file(&b, "ok", "1", 1, 0644), 0);
	size_t len = b.len;
	/* 4 GiB: the newc size field has 8 hex digits; rejected before reading data */
	ck_assert_int_eq(cpio_add_file(&b, "big", &byte, (size_t)1 << 32, 0644), -1);
	ck_assert_uint_eq(b.len, len);
	ck_assert_int_ne(b.failed, 0);
	/* sticky */
	ck_assert_int_eq(cpio_add_file(&b, "later", "1", 1, 0644), -1);
	ck_assert_int_eq(cpio_finish(&b), -1);
	cpio_builder_free(&b);

	cpio_builder_init(&b);
	ck_assert_int_eq(cpio_add_dir(&b, "/", 0755), -1);
	cpio_builder_free(&b);
	cpio_builder_init(&b);
	ck_assert_int_eq(cpio_add_file(&b, "./", "", 0, 0644), -1);
	cpio_builder_free(&b);
	cpio_builder_init(&b);
	ck_assert_int_eq(cpio_add_file(&b, "f", NULL, 1, 0644), -1);
	cpio_builder_free(&b);
}
END_TEST

/* Many entries: the buffer grows; every entry is found again. */
START_TEST(many_entries)
{
	struct cpio_builder b;
	struct cpio_entry e;
	char name[32], data[32];

	cpio_builder_init(&b);
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "d/file%d", i);
		snprintf(data, sizeof(data), "%d", i * i);
		ck_assert_int_eq(cpio_add_file(&b, name, data, strlen(data), 0644), 0);
	}
	ck_assert_int_eq(cpio_finish(&b), 0);
	for (int i = 0; i < 500; i += 37) {
		snprintf(name, sizeof(name), "/d/file%d", i);
		snprintf(data, sizeof(data), "%d", i * i);
		ck_assert_int_eq(cpio_find(b.buf, b.len, name, &e), CPIO_OK);
		ck_assert_uint_eq(e.size, strlen(data));
		ck_assert_mem_eq(e.data, data, e.size);
	}
	cpio_builder_free(&b);
}
END_TEST

START_TEST(strerror_distinct)
{
	const int codes[] = {CPIO_END,  CPIO_OK,    CPIO_EMAGIC, CPIO_ETRUNC,
	                     CPIO_EHEX, CPIO_ENAME, 99};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		ck_assert_ptr_nonnull(cpio_strerror(codes[i]));
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(cpio_strerror(codes[i]), cpio_strerror(codes[j]));
	}
}
END_TEST

/* Reads a whole stream into a string. */
static char *slurp(FILE *f)
{
	size_t len = 0, cap = 4096;
	char *s = malloc(cap);

	ck_assert_ptr_nonnull(s);
	for (size_t n; (n = fread(s + len, 1, cap - len - 1, f)) > 0;) {
		len += n;
		if (cap - len < 2) {
			s = realloc(s, cap *= 2);
			ck_assert_ptr_nonnull(s);
		}
	}
	s[len] = '\0';
	return s;
}

/* GNU cpio reads what the writer produces (skipped without a cpio binary). */
START_TEST(gnu_cpio_lists)
{
	struct cpio_builder b;
	char path[] = "/tmp/exosim-unit-XXXXXX", cmd[256];
	int fd;
	FILE *p;
	char *out;

	if (system("command -v cpio >/dev/null 2>&1") != 0) {
		fprintf(stderr, "gnu_cpio_lists: no cpio binary, skipped\n");
		return;
	}
	build_sample(&b);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b.buf, b.len), (ssize_t)b.len);
	close(fd);

	snprintf(cmd, sizeof(cmd), "cpio -it --quiet < %s 2>&1", path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	out = slurp(p);
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_str_eq(out, "etc\netc/hello\nempty\nbin/app\na\nab\n");
	free(out);

	/* and extracts the right bytes, across the NUL-padded names */
	snprintf(cmd, sizeof(cmd), "cpio -i --quiet --to-stdout etc/hello < %s", path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	out = slurp(p);
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_str_eq(out, hello);
	free(out);
	snprintf(cmd, sizeof(cmd), "cpio -i --quiet --to-stdout bin/app < %s | cmp -s - %s.blob",
	         path, path);
	{
		char blobpath[sizeof(path) + 5];
		FILE *f;

		snprintf(blobpath, sizeof(blobpath), "%s.blob", path);
		f = fopen(blobpath, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(blob, 1, sizeof(blob), f), sizeof(blob));
		fclose(f);
		ck_assert_int_eq(system(cmd), 0);
		unlink(blobpath);
	}

	unlink(path);
	cpio_builder_free(&b);
}
END_TEST

Suite *cpio_suite(void)
{
	Suite *s = suite_create("cpio");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, roundtrip);
	tcase_add_test(tc, find);
	tcase_add_test(tc, find_dot_slash_in_archive);
	tcase_add_test(tc, padded_name);
	tcase_add_test(tc, data_page_aligned);
	tcase_add_test(tc, truncated_everywhere);
	tcase_add_test(tc, garbage);
	tcase_add_test(tc, header_errors);
	tcase_add_test(tc, every_field_hex);
	tcase_add_test(tc, name_without_nul_at_end);
	tcase_add_test(tc, no_trailer);
	tcase_add_test(tc, writer_rejects);
	tcase_add_test(tc, many_entries);
	tcase_add_test(tc, strerror_distinct);
	tcase_add_test(tc, gnu_cpio_lists);
	suite_add_tcase(s, tc);
	return s;
}
