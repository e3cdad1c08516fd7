/* rootfs: ExOS's initramfs tree and Linux path resolution (libos/linux/rootfs.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "cpio.h"
#include "cpio_build.h"
#include "rootfs.h"
#include "unit.h"

static struct rootfs fs;
static void *mem; /* fs's tables */
static struct cpio_builder b;

/* An empty tree of up to `nodes` nodes, in a buffer of exactly the size asked
 * for: ASan catches a table overrun. */
static void fresh(uint32_t nodes)
{
	free(mem);
	mem = malloc(rootfs_mem_size(nodes));
	ck_assert_ptr_nonnull(mem);
	rootfs_init(&fs, mem, nodes);
}

/* Sized as ExOS sizes it (libos/linux/initrd.c), with room for `extra` more
 * nodes, then loaded: the entries, or -1 with the first failure in *bad. */
static int load(const struct cpio_builder *a, uint32_t extra, struct rootfs_bad *bad)
{
	long nodes = rootfs_cpio_nodes(a->buf, a->len, NULL);

	ck_assert_int_gt(nodes, 0);
	fresh((uint32_t)nodes + extra);
	return rootfs_load_cpio(&fs, a->buf, a->len, bad);
}

/* An archive like exosim's: explicit bin/ and exosim/, files whose
 * directories are only implied, a file given twice. */
static void load_sample(void)
{
	cpio_builder_init(&b);
	ck_assert_int_eq(cpio_add_dir(&b, "bin", 0755), 0);
	ck_assert_int_eq(cpio_add_file(&b, "bin/prog", "ELF", 3, 0755), 0);
	ck_assert_int_eq(cpio_add_file(&b, "/data/sub/deep.txt", "deep\n", 5, 0644), 0);
	ck_assert_int_eq(cpio_add_file(&b, "./data/a.txt", "old", 3, 0600), 0);
	ck_assert_int_eq(cpio_add_dir(&b, "data", 0700), 0);
	ck_assert_int_eq(cpio_add_file(&b, "data/a.txt", "hello\n", 6, 0644), 0);
	ck_assert_int_eq(cpio_finish(&b), 0);
	struct rootfs_bad bad;
	ck_assert_int_eq(load(&b, 16, &bad), 6);
}

static int resolve(const char *path, unsigned flags)
{
	return rootfs_resolve(&fs, ROOTFS_ROOT, path, flags, NULL);
}

START_TEST(tree_from_cpio)
{
	int data, sub, a;

	load_sample();
	data = resolve("/data", 0);
	sub = resolve("/data/sub", 0);
	a = resolve("/data/a.txt", 0);
	ck_assert_int_ge(data, 1);
	ck_assert_int_ge(sub, 1);
	/* Implied directories are 0755; an explicit entry later sets the mode. */
	ck_assert_uint_eq(fs.node[sub].mode, ROOTFS_S_IFDIR | 0755);
	ck_assert_uint_eq(fs.node[data].mode, ROOTFS_S_IFDIR | 0700);
	/* The later a.txt replaced the earlier one in place. */
	ck_assert_uint_eq(fs.node[a].mode, ROOTFS_S_IFREG | 0644);
	ck_assert_uint_eq(fs.node[a].size, 6);
	ck_assert_mem_eq(fs.node[a].data, "hello\n", 6);
	/* Link counts: 2 + subdirectories. */
	ck_assert_uint_eq(fs.node[ROOTFS_ROOT].nlink, 4); /* bin, data */
	ck_assert_uint_eq(fs.node[data].nlink, 3);
	ck_assert_uint_eq(fs.node[a].nlink, 1);
	cpio_builder_free(&b);
}
END_TEST

START_TEST(children_in_archive_order)
{
	const char *want[] = {"sub", "a.txt"};
	int i = 0;

	load_sample();
	for (int c = fs.node[resolve("/data", 0)].first_child; c >= 0;
	     c = fs.node[c].next_sibling, i++) {
		ck_assert_int_lt(i, 2);
		ck_assert_uint_eq(fs.node[c].namelen, strlen(want[i]));
		ck_assert_mem_eq(fs.node[c].name, want[i], strlen(want[i]));
	}
	ck_assert_int_eq(i, 2);
	cpio_builder_free(&b);
}
END_TEST

START_TEST(normalization)
{
	int a;

	load_sample();
	a = resolve("/data/a.txt", 0);
	ck_assert_int_eq(resolve("//data///a.txt", 0), a);
	ck_assert_int_eq(resolve("/./data/./a.txt", 0), a);
	ck_assert_int_eq(resolve("/data/sub/../a.txt", 0), a);
	ck_assert_int_eq(resolve("/../../data/a.txt", 0), a); /* ".." at the root stays */
	ck_assert_int_eq(resolve("data/a.txt", 0), a);
	ck_assert_int_eq(rootfs_resolve(&fs, resolve("/data/sub", 0), "../a.txt", 0, NULL), a);
	ck_assert_int_eq(resolve("/", 0), ROOTFS_ROOT);
	ck_assert_int_eq(resolve(".", 0), ROOTFS_ROOT);
	ck_assert_int_eq(resolve("/data/", 0), resolve("/data", 0));
	cpio_builder_free(&b);
}
END_TEST

START_TEST(errors)
{
	int parent;

	load_sample();
	ck_assert_int_eq(resolve("", 0), -LINUX_ENOENT);
	ck_assert_int_eq(resolve("/data/a.txt/", 0), -LINUX_ENOTDIR);
	ck_assert_int_eq(resolve("/data/a.txt/.", 0), -LINUX_ENOTDIR);
	ck_assert_int_eq(resolve("/data/a.txt/x", 0), -LINUX_ENOTDIR);
	/* Only the last component missing: the parent is reported. */
	ck_assert_int_eq(rootfs_resolve(&fs, 0, "/data/new", 0, &parent), -LINUX_ENOENT);
	ck_assert_int_eq(parent, resolve("/data", 0));
	ck_assert_int_eq(rootfs_resolve(&fs, 0, "/nodir/new", 0, &parent), -LINUX_ENOENT);
	ck_assert_int_eq(parent, -1);
	ck_assert_int_eq(rootfs_resolve(&fs, 0, "/data/a.txt", 0, &parent),
	                 resolve("/data/a.txt", 0));
	ck_assert_int_eq(parent, -1);

	char longname[300];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(resolve(longname, 0), -LINUX_ENAMETOOLONG);
	cpio_builder_free(&b);
}
END_TEST

START_TEST(symlinks)
{
	int a, data, l;
	size_t n;

	load_sample();
	a = resolve("/data/a.txt", 0);
	data = resolve("/data", 0);
	ck_assert_int_ge(rootfs_add(&fs, "data/rel", 8, ROOTFS_S_IFLNK | 0777, "a.txt", 5), 0);
	ck_assert_int_ge(rootfs_add(&fs, "/abs", 4, ROOTFS_S_IFLNK | 0777, "/data", 5), 0);
	ck_assert_int_ge(rootfs_add(&fs, "/loop", 5, ROOTFS_S_IFLNK | 0777, "loop", 4), 0);
	ck_assert_int_ge(rootfs_add(&fs, "/dangle", 7, ROOTFS_S_IFLNK | 0777, "data/none", 9), 0);
	ck_assert_int_ge(
	        rootfs_add(&fs, "/cstr", 5, ROOTFS_S_IFLNK | 0777, "/bin/prog", ROOTFS_CSTR), 0);

	l = resolve("/data/rel", 0);
	ck_assert(rootfs_is_link(&fs, l));
	ck_assert_mem_eq(rootfs_link_target(&fs, l, &n), "a.txt", 5);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(resolve("/data/rel", ROOTFS_FOLLOW), a);
	ck_assert_int_eq(resolve("/abs/rel", 0), l); /* a link in the middle is followed */
	ck_assert_int_eq(resolve("/abs/rel", ROOTFS_FOLLOW),
	                 a);                         /* its target relative to its dir */
	ck_assert_int_eq(resolve("/abs/", 0), data); /* a trailing slash follows */
	ck_assert_int_eq(resolve("/abs/..", 0), ROOTFS_ROOT);
	ck_assert_int_eq(resolve("/data/rel/", 0), -LINUX_ENOTDIR);
	ck_assert_int_eq(resolve("/loop", ROOTFS_FOLLOW), -LINUX_ELOOP);
	ck_assert_int_eq(resolve("/loop/x", 0), -LINUX_ELOOP);
	ck_assert_int_ge(resolve("/loop", 0), 1);
	ck_assert_int_eq(resolve("/cstr", ROOTFS_FOLLOW), resolve("/bin/prog", 0));
	ck_assert_uint_eq((rootfs_link_target(&fs, resolve("/cstr", 0), &n), n), 9);

	/* A dangling last link can be created (its target's parent); in the
	 * middle of a path it cannot. */
	int parent;
	ck_assert_int_eq(rootfs_resolve(&fs, 0, "/dangle", ROOTFS_FOLLOW, &parent), -LINUX_ENOENT);
	ck_assert_int_eq(parent, data);
	ck_assert_int_eq(rootfs_resolve(&fs, 0, "/dangle/x", 0, &parent), -LINUX_ENOENT);
	ck_assert_int_eq(parent, -1);
	cpio_builder_free(&b);
}
END_TEST

START_TEST(paths)
{
	char buf[64];

	load_sample();
	ck_assert_uint_eq(rootfs_path(&fs, ROOTFS_ROOT, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "/");
	ck_assert_uint_eq(rootfs_path(&fs, resolve("/data/sub/deep.txt", 0), buf, sizeof(buf)), 18);
	ck_assert_str_eq(buf, "/data/sub/deep.txt");
	/* Too small: the length is still reported, nothing is written past cap. */
	memset(buf, '#', sizeof(buf));
	ck_assert_uint_eq(rootfs_path(&fs, resolve("/data/sub", 0), buf, 9), 9);
	ck_assert_int_eq(buf[0], '#');
	ck_assert_uint_eq(rootfs_path(&fs, resolve("/data/sub", 0), buf, 10), 9);
	ck_assert_str_eq(buf, "/data/sub");
	cpio_builder_free(&b);
}
END_TEST

START_TEST(replacing)
{
	int data, sub;

	load_sample();
	data = resolve("/data", 0);
	sub = resolve("/data/sub", 0);
	/* A non-empty directory is not replaced by a file. */
	ck_assert_int_eq(rootfs_add(&fs, "data/sub", 8, ROOTFS_S_IFREG | 0644, "x", 1),
	                 -LINUX_EEXIST);
	ck_assert(rootfs_is_dir(&fs, sub));
	/* An empty one is, and the parent's link count follows. */
	ck_assert_int_ge(rootfs_add(&fs, "data/e", 6, ROOTFS_S_IFDIR | 0755, NULL, 0), 0);
	ck_assert_uint_eq(fs.node[data].nlink, 4);
	ck_assert_int_ge(rootfs_add(&fs, "data/e", 6, ROOTFS_S_IFREG | 0644, "x", 1), 0);
	ck_assert_uint_eq(fs.node[data].nlink, 3);
	/* A file in the way of a directory. */
	ck_assert_int_eq(rootfs_add(&fs, "data/a.txt/x", 12, ROOTFS_S_IFREG | 0644, "x", 1),
	                 -LINUX_ENOTDIR);
	ck_assert_int_eq(rootfs_add(&fs, "data/../x", 9, ROOTFS_S_IFREG, "x", 1), -LINUX_EINVAL);
	/* "." and "./" entries describe the root. */
	ck_assert_int_eq(rootfs_add(&fs, ".", 1, ROOTFS_S_IFDIR | 0700, NULL, 0), ROOTFS_ROOT);
	ck_assert_uint_eq(fs.node[ROOTFS_ROOT].mode, ROOTFS_S_IFDIR | 0700);
	ck_assert_int_eq(rootfs_add(&fs, "/", 1, ROOTFS_S_IFREG | 0644, "x", 1), -LINUX_EEXIST);
	cpio_builder_free(&b);
}
END_TEST

START_TEST(full_table)
{
	enum { N = 100 };
	char names[N][8];
	int r = 0;

	fresh(N);
	for (int i = 0; i < N && r >= 0; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		r = rootfs_add(&fs, names[i], strlen(names[i]), ROOTFS_S_IFREG | 0644, "", 0);
		ck_assert_int_eq(r, i < N - 1 ? i + 1 : -LINUX_ENOSPC);
	}
	ck_assert_int_eq(r, -LINUX_ENOSPC);
	/* Every node is still found through the hash. */
	ck_assert_int_eq(resolve("/f0", 0), 1);
	ck_assert_int_eq(resolve("/f98", 0), 99);
	ck_assert_int_eq(resolve("/f99", 0), -LINUX_ENOENT);
}
END_TEST

/* The tables are sized to the archive: every entry of a large directory, and
 * of a deep tree listed in any order, arrives (the old fixed table kept 4095). */
START_TEST(sized_to_archive)
{
	char name[64];
	struct rootfs_bad bad;

	cpio_builder_init(&b);
	ck_assert_int_eq(cpio_add_dir(&b, "d", 0755), 0);
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "d/f%d", i);
		ck_assert_int_eq(cpio_add_file(&b, name, "x", 1, 0644), 0);
	}
	ck_assert_int_eq(cpio_finish(&b), 0);
	ck_assert_int_eq(rootfs_cpio_nodes(b.buf, b.len, NULL), 1 + 10001);
	ck_assert_int_eq(load(&b, 0, &bad), 10001);
	ck_assert_int_eq(resolve("/d/f9999", 0), 10001);
	cpio_builder_free(&b);

	/* Unsorted, directories only implied, odd spellings: the count is an upper
	 * bound, and the exact-size buffer proves it (ASan). */
	cpio_builder_init(&b);
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), i % 3 ? "a%d/b/c%d/f" : ".//a%d/./b/c%d/g/", i % 7, i);
		ck_assert_int_eq(cpio_add_file(&b, name, "x", 1, 0644), 0);
	}
	ck_assert_int_eq(cpio_finish(&b), 0);
	ck_assert_int_eq(load(&b, 0, &bad), 3000);
	ck_assert_int_le(fs.nnodes, fs.cap);
	ck_assert_int_gt(resolve("/a2/b/c2998/f", 0), 0); /* 2998 % 7, 2998 */
	ck_assert_int_gt(resolve("/a1/b/c2997/g", 0), 0);
	cpio_builder_free(&b);
}
END_TEST

/* The first entry that cannot be placed stops the load and is reported. */
START_TEST(unplaceable_entry)
{
	struct rootfs_bad bad;

	cpio_builder_init(&b);
	ck_assert_int_eq(cpio_add_file(&b, "ok", "x", 1, 0644), 0);
	ck_assert_int_eq(cpio_add_file(&b, "file", "x", 1, 0644), 0);
	ck_assert_int_eq(cpio_add_file(&b, "file/under", "y", 1, 0644), 0);
	ck_assert_int_eq(cpio_finish(&b), 0);
	ck_assert_int_eq(load(&b, 0, &bad), -1);
	ck_assert_int_eq(bad.cpio, 0);
	ck_assert_int_eq(bad.err, LINUX_ENOTDIR);
	ck_assert_uint_eq(bad.namelen, 10);
	ck_assert_mem_eq(bad.name, "file/under", 10);
	/* the third header: after the second file's byte, which is on the archive's
	 * third page (each file's data starts on a page), padded to 4 */
	ck_assert_uint_eq(bad.pos, 2 * 4096 + 4);
	cpio_builder_free(&b);

	cpio_builder_init(&b);
	ck_assert_int_eq(cpio_add_file(&b, "a/../b", "x", 1, 0644), 0);
	ck_assert_int_eq(cpio_finish(&b), 0);
	ck_assert_int_eq(load(&b, 0, &bad), -1);
	ck_assert_int_eq(bad.err, LINUX_EINVAL);
	cpio_builder_free(&b);

	cpio_builder_init(&b);
	ck_assert_int_eq(cpio_add_file(&b, "d/x", "x", 1, 0644), 0);
	ck_assert_int_eq(cpio_add_file(&b, "d", "x", 1, 0644), 0);
	ck_assert_int_eq(cpio_finish(&b), 0);
	ck_assert_int_eq(load(&b, 0, &bad), -1);
	ck_assert_int_eq(bad.err, LINUX_EEXIST);
	cpio_builder_free(&b);
}
END_TEST

START_TEST(mtime_and_owner_from_archive)
{
	cpio_builder_init(&b);
	b.mtime = 0x6553f0ab;
	b.uid = 1000;
	b.gid = 0xfffffffe;
	ck_assert_int_eq(cpio_add_file(&b, "f", "x", 1, 0644), 0);
	b.mtime = 7;
	b.uid = b.gid = 0;
	ck_assert_int_eq(cpio_add_dir(&b, "d", 0755), 0);
	ck_assert_int_eq(cpio_finish(&b), 0);
	struct rootfs_bad bad;
	ck_assert_int_eq(load(&b, 0, &bad), 2);
	ck_assert_uint_eq(fs.node[resolve("/f", 0)].mtime, 0x6553f0ab);
	ck_assert_uint_eq(fs.node[resolve("/d", 0)].mtime, 7);
	/* owners too: stat reports the host file's */
	ck_assert_uint_eq(fs.node[resolve("/f", 0)].uid, 1000);
	ck_assert_uint_eq(fs.node[resolve("/f", 0)].gid, 0xfffffffe);
	ck_assert_uint_eq(fs.node[resolve("/d", 0)].uid, 0);
	cpio_builder_free(&b);
}
END_TEST

/* The children of dir, in listing order, as "a,b,c". */
static const char *children(int dir)
{
	static char buf[256];
	size_t n = 0;

	buf[0] = 0;
	for (int c = fs.node[dir].first_child; c >= 0; c = fs.node[c].next_sibling) {
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%.*s", n ? "," : "",
		                      (int)fs.node[c].namelen, fs.node[c].name);
		ck_assert_int_eq(fs.node[c].parent, dir);
	}
	return buf;
}

START_TEST(create_detach_move)
{
	fresh(6);
	int d = rootfs_create(&fs, ROOTFS_ROOT, "d", 1, ROOTFS_S_IFDIR | 0755);
	int a = rootfs_create(&fs, d, "a", 1, ROOTFS_S_IFREG | 0644);
	int b2 = rootfs_create(&fs, d, "b", 1, ROOTFS_S_IFREG | 0644);
	int c = rootfs_create(&fs, d, "c", 1, ROOTFS_S_IFDIR | 0755);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(rootfs_create(&fs, d, "a", 1, ROOTFS_S_IFREG), -LINUX_EEXIST);
	ck_assert_str_eq(children(d), "a,b,c");
	ck_assert_uint_eq(fs.node[d].nlink, 3);
	ck_assert_uint_lt(fs.node[a].seq, fs.node[b2].seq);

	rootfs_detach(&fs, b2); /* the middle one */
	ck_assert_str_eq(children(d), "a,c");
	ck_assert_int_eq(rootfs_lookup(&fs, d, "b", 1), -1);
	ck_assert_int_eq(fs.node[b2].parent, -1);
	ck_assert(!rootfs_is_free(&fs, b2)); /* still someone's open file */
	rootfs_detach(&fs, c);               /* the last one: a directory */
	ck_assert_str_eq(children(d), "a");
	ck_assert_uint_eq(fs.node[d].nlink, 2);
	rootfs_release(&fs, b2);
	rootfs_release(&fs, c);
	ck_assert(rootfs_is_free(&fs, c));

	/* the table holds 6: root, d, a, and 3 more; freed nodes are reused */
	int e = rootfs_create(&fs, d, "e", 1, ROOTFS_S_IFREG);
	int f = rootfs_create(&fs, d, "f", 1, ROOTFS_S_IFREG);
	int g = rootfs_create(&fs, d, "g", 1, ROOTFS_S_IFREG);
	ck_assert(e == c || e == b2);
	ck_assert(f == c || f == b2);
	ck_assert_int_ge(g, 0);
	ck_assert_int_eq(rootfs_create(&fs, d, "h", 1, ROOTFS_S_IFREG), -LINUX_ENOSPC);
	ck_assert_str_eq(children(d), "a,e,f,g");

	/* a rename: out of d into the root under a new name, listed last */
	rootfs_move(&fs, a, ROOTFS_ROOT, "z", 1);
	ck_assert_str_eq(children(d), "e,f,g");
	ck_assert_str_eq(children(ROOTFS_ROOT), "d,z");
	ck_assert_int_eq(resolve("/z", 0), a);
	ck_assert_int_eq(resolve("/d/a", 0), -LINUX_ENOENT);
	ck_assert_int_eq(rootfs_create(&fs, d, "x", 300, ROOTFS_S_IFREG), -LINUX_ENAMETOOLONG);
}
END_TEST

START_TEST(malformed_archive)
{
	struct rootfs_bad bad;
	size_t at = 99;

	load_sample();
	b.buf[0] = 'X';
	ck_assert_int_eq(rootfs_cpio_nodes(b.buf, b.len, &at), CPIO_EMAGIC);
	ck_assert_uint_eq(at, 0);
	ck_assert_int_eq(rootfs_load_cpio(&fs, b.buf, b.len, &bad), -1);
	ck_assert_int_eq(bad.cpio, CPIO_EMAGIC);
	ck_assert_uint_eq(bad.pos, 0);
	ck_assert_int_eq(rootfs_load_cpio(&fs, b.buf, 0, &bad), -1);
	ck_assert_int_eq(bad.cpio, CPIO_ETRUNC);
	/* a bad second header: its offset */
	b.buf[0] = '0';
	b.buf[112 + 4] = 'X'; /* "bin" is 112 bytes with its padding */
	ck_assert_int_eq(rootfs_cpio_nodes(b.buf, b.len, &at), CPIO_EMAGIC);
	ck_assert_uint_eq(at, 116);
	ck_assert_int_eq(rootfs_load_cpio(&fs, b.buf, b.len, &bad), -1);
	ck_assert_int_eq(bad.cpio, CPIO_EMAGIC);
	ck_assert_uint_eq(bad.pos, 116);
	cpio_builder_free(&b);
}
END_TEST

Suite *rootfs_suite(void)
{
	Suite *s = suite_create("rootfs");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, tree_from_cpio);
	tcase_add_test(tc, children_in_archive_order);
	tcase_add_test(tc, normalization);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, symlinks);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, replacing);
	tcase_add_test(tc, full_table);
	tcase_add_test(tc, sized_to_archive);
	tcase_add_test(tc, unplaceable_entry);
	tcase_add_test(tc, mtime_and_owner_from_archive);
	tcase_add_test(tc, create_detach_move);
	tcase_add_test(tc, malformed_archive);
	suite_add_tcase(s, tc);
	return s;
}
