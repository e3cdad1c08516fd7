/* The initramfs as a directory tree, and Linux path resolution.  See rootfs.h.
 *
 * Each node knows its parent and its children (a list in archive order, which
 * is the order getdents reports); a hash of (parent, name) finds a child in
 * one probe however large the directory, so indexing n entries costs O(n). */
#include "rootfs.h"

#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "cpio.h"
#include "escape.h"

static unsigned hash(int parent, const char *name, size_t n)
{
	uint32_t h = 2166136261u ^ (uint32_t)parent * 0x9e3779b9u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return h;
}

int rootfs_lookup(const struct rootfs *fs, int dir, const char *name, size_t n)
{
	for (int i = fs->bucket[hash(dir, name, n) & (fs->nbucket - 1)]; i >= 0;
	     i = fs->node[i].hnext) {
		const struct rootfs_node *c = &fs->node[i];

		if (c->parent == dir && c->namelen == n && memcmp(c->name, name, n) == 0)
			return i;
	}
	return -1;
}

/* One bucket per node, rounded up to a power of two: chains stay short. */
static uint32_t buckets_for(uint32_t nodes)
{
	uint32_t n = 1;

	while (n < nodes && n < (1u << 31))
		n <<= 1;
	return n;
}

size_t rootfs_mem_size(uint32_t nodes)
{
	return (size_t)nodes * sizeof(struct rootfs_node) + buckets_for(nodes) * sizeof(int32_t);
}

void rootfs_init(struct rootfs *fs, void *mem, uint32_t nodes)
{
	struct rootfs_node *r;

	fs->node = mem;
	fs->cap = nodes;
	fs->bucket = (int32_t *)(fs->node + nodes);
	fs->nbucket = buckets_for(nodes);
	for (size_t i = 0; i < fs->nbucket; i++)
		fs->bucket[i] = -1;
	r = &fs->node[ROOTFS_ROOT];
	memset(r, 0, sizeof(*r));
	r->name = "";
	r->mode = ROOTFS_S_IFDIR | 0755;
	r->nlink = 2;
	r->parent = ROOTFS_ROOT;
	r->first_child = r->last_child = r->next_sibling = r->prev_sibling = r->hnext = -1;
	fs->nnodes = 1;
	fs->nfree = 0;
	fs->free_head = -1;
	fs->next_seq = 1;
	fs->magic = NULL;
}

/* Links node c, named name[0..n), into directory dir, listed last. */
static void attach(struct rootfs *fs, int c, int dir, const char *name, size_t n)
{
	struct rootfs_node *d = &fs->node[dir], *cn = &fs->node[c];
	unsigned h = hash(dir, name, n) & (fs->nbucket - 1);

	cn->name = name;
	cn->namelen = (uint32_t)n;
	cn->parent = dir;
	cn->seq = fs->next_seq++;
	cn->hnext = fs->bucket[h];
	fs->bucket[h] = c;
	cn->next_sibling = -1;
	cn->prev_sibling = d->last_child;
	if (d->last_child >= 0)
		fs->node[d->last_child].next_sibling = c;
	else
		d->first_child = c;
	d->last_child = c;
	if (rootfs_is_dir(fs, c))
		d->nlink++;
}

/* A new, empty node under dir (which must not have a child of that name):
 * a freed one if there is one. */
static int new_node(struct rootfs *fs, int dir, const char *name, size_t n, uint32_t mode)
{
	struct rootfs_node *c;
	int i;

	if (fs->free_head >= 0) {
		i = fs->free_head;
		fs->free_head = fs->node[i].hnext;
		fs->nfree--;
	} else if (fs->nnodes < fs->cap) {
		i = (int)fs->nnodes++;
	} else {
		return -LINUX_ENOSPC;
	}
	c = &fs->node[i];
	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->first_child = c->last_child = -1;
	c->nlink = (mode & ROOTFS_S_IFMT) == ROOTFS_S_IFDIR ? 2 : 1;
	attach(fs, i, dir, name, n);
	return i;
}

int rootfs_create(struct rootfs *fs, int dir, const char *name, size_t n, uint32_t mode)
{
	if (n > ROOTFS_NAME_MAX)
		return -LINUX_ENAMETOOLONG;
	if (rootfs_lookup(fs, dir, name, n) >= 0)
		return -LINUX_EEXIST;
	return new_node(fs, dir, name, n, mode);
}

void rootfs_detach(struct rootfs *fs, int node)
{
	struct rootfs_node *c = &fs->node[node], *d = &fs->node[c->parent];
	int32_t *link = &fs->bucket[hash(c->parent, c->name, c->namelen) & (fs->nbucket - 1)];

	while (*link != node)
		link = &fs->node[*link].hnext;
	*link = c->hnext;
	if (c->prev_sibling >= 0)
		fs->node[c->prev_sibling].next_sibling = c->next_sibling;
	else
		d->first_child = c->next_sibling;
	if (c->next_sibling >= 0)
		fs->node[c->next_sibling].prev_sibling = c->prev_sibling;
	else
		d->last_child = c->prev_sibling;
	if (rootfs_is_dir(fs, node))
		d->nlink--;
	c->parent = -1;
	c->hnext = c->next_sibling = c->prev_sibling = -1;
}

void rootfs_release(struct rootfs *fs, int node)
{
	fs->node[node].mode = 0;
	fs->node[node].hnext = fs->free_head;
	fs->free_head = node;
	fs->nfree++;
}

void rootfs_move(struct rootfs *fs, int node, int dir, const char *name, size_t n)
{
	rootfs_detach(fs, node);
	attach(fs, node, dir, name, n);
}

/* Gives an existing node a new type, mode and contents, keeping the parent's
 * link count right (it counts subdirectories). */
static int replace(struct rootfs *fs, int i, uint32_t mode, const void *data, size_t size)
{
	struct rootfs_node *c = &fs->node[i];
	bool was_dir = rootfs_is_dir(fs, i);
	bool is_dir = (mode & ROOTFS_S_IFMT) == ROOTFS_S_IFDIR;

	if (was_dir && !is_dir && c->first_child >= 0)
		return -LINUX_EEXIST;
	if (i != ROOTFS_ROOT && was_dir != is_dir) {
		fs->node[c->parent].nlink += is_dir ? 1 : -1;
		c->nlink = is_dir ? 2 : 1;
	}
	if (i == ROOTFS_ROOT && !is_dir)
		return -LINUX_EEXIST;
	c->mode = mode;
	c->data = is_dir ? NULL : data;
	c->size = is_dir ? 0 : size;
	return i;
}

/* The next path component at *p (skipping slashes), or length 0 at the end. */
static size_t next_component(const char **p, const char *end)
{
	const char *s = *p, *e;

	while (s < end && *s == '/')
		s++;
	for (e = s; e < end && *e != '/'; e++)
		;
	*p = s;
	return (size_t)(e - s);
}

int rootfs_add(struct rootfs *fs, const char *path, size_t n, uint32_t mode, const void *data,
               size_t size)
{
	const char *p = path, *end = path + n;
	int cur = ROOTFS_ROOT;

	for (;;) {
		size_t len = next_component(&p, end);
		const char *rest = p + len;
		bool last = next_component(&rest, end) == 0;
		int c;

		if (len == 0)
			return replace(fs, cur, mode, data, size); /* "", "/", "." */
		if (len == 1 && p[0] == '.') {
			p += len;
			continue;
		}
		if ((len == 2 && p[0] == '.' && p[1] == '.') || len > ROOTFS_NAME_MAX)
			return -LINUX_EINVAL;
		c = rootfs_lookup(fs, cur, p, len);
		if (last) {
			if (c >= 0)
				return replace(fs, c, mode, data, size);
			c = new_node(fs, cur, p, len, mode);
			if (c >= 0 && (mode & ROOTFS_S_IFMT) != ROOTFS_S_IFDIR) {
				fs->node[c].data = data;
				fs->node[c].size = size;
			}
			return c;
		}
		if (c < 0)
			c = new_node(fs, cur, p, len, ROOTFS_S_IFDIR | 0755);
		if (c < 0)
			return c;
		if (!rootfs_is_dir(fs, c))
			return -LINUX_ENOTDIR;
		cur = c;
		p += len;
	}
}

/* The length of name's directory part: up to its last '/' (0 if none). */
static size_t dir_len(const char *name, size_t n)
{
	while (n > 0 && name[n - 1] != '/')
		n--;
	return n;
}

/* Directories an entry's path implies, at most: its components but the last
 * ("./a//b" counts "." and "a", more than needed). */
static size_t implied_dirs(const char *name, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += name[i] != '/' && (i == 0 || name[i - 1] == '/');
	return c > 0 ? c - 1 : 0;
}

/* Sorted archives (exosim's, `find | cpio`) list a directory, then what is in
 * it: an entry in the directory the previous one was in, or in the previous
 * entry itself, implies nothing new (loading stops at the first entry that
 * fails, so the previous one's directories all exist).  Otherwise every
 * directory of its path is counted, which over-counts but never under-counts. */
long rootfs_cpio_nodes(const void *archive, size_t len, size_t *at)
{
	struct cpio_entry e;
	const char *prev = "";
	size_t pos = 0, prevlen = 0, last = 0;
	unsigned long nodes = 1; /* the root */
	int r;

	while ((r = cpio_next(archive, len, &pos, &e)) == CPIO_OK) {
		size_t d = dir_len(e.name, e.namelen), pd = dir_len(prev, prevlen);
		bool known = (d == pd && memcmp(e.name, prev, d) == 0) ||
		             (d == prevlen + 1 && memcmp(e.name, prev, prevlen) == 0);

		nodes += 1 + (known ? 0 : implied_dirs(e.name, e.namelen));
		prev = e.name;
		prevlen = e.namelen;
		last = pos;
		if (nodes > (1ul << 31) - 1)
			return CPIO_ETRUNC; /* cannot happen: each entry takes >= 112 bytes */
	}
	if (r != CPIO_END && at)
		*at = last;
	return r == CPIO_END ? (long)nodes : r;
}

int rootfs_load_cpio(struct rootfs *fs, const void *archive, size_t len, struct rootfs_bad *bad)
{
	struct cpio_entry e;
	size_t pos = 0, at;
	int r, n = 0;

	for (at = pos; (r = cpio_next(archive, len, &pos, &e)) == CPIO_OK; at = pos) {
		/* Hard links and device nodes are not recreated: an initramfs
		 * built by exosim holds files, directories and links only. */
		int i = rootfs_add(fs, e.name, e.namelen, e.mode, e.data, e.size);

		if (i < 0) {
			*bad = (struct rootfs_bad){0, -i, at, e.name, e.namelen};
			return -1;
		}
		fs->node[i].mtime = e.mtime;
		fs->node[i].uid = e.uid;
		fs->node[i].gid = e.gid;
		n++;
	}
	if (r == CPIO_END)
		return n;
	*bad = (struct rootfs_bad){r, 0, at, NULL, 0};
	return -1;
}

/* Why rootfs_add could not place an entry. */
static const char *why(int err)
{
	switch (err) {
	case LINUX_ENOTDIR:
		return "a directory in its path is not one";
	case LINUX_EINVAL:
		return "a \"..\" or a name longer than 255 bytes in its path";
	case LINUX_EEXIST:
		return "it would replace a directory that has entries";
	default:
		return "no room in the table";
	}
}

const char *rootfs_bad_str(const struct rootfs_bad *bad, char *buf, size_t cap)
{
	char name[ESCAPE_SIZE(64)];

	if (bad->cpio)
		snprintf(buf, cap, "%s (at byte %zu)", cpio_strerror(bad->cpio), bad->pos);
	else
		snprintf(buf, cap, "cannot place %s (at byte %zu): %s",
		         escape_bytes(name, sizeof(name), bad->name, bad->namelen), bad->pos,
		         why(bad->err));
	return buf;
}

const char *rootfs_link_target(const struct rootfs *fs, int node, size_t *len)
{
	const struct rootfs_node *c = &fs->node[node];

	*len = c->size == ROOTFS_CSTR ? strlen((const char *)c->data) : c->size;
	return (const char *)c->data;
}

struct walk {
	const struct rootfs *fs;
	int links; /* symbolic links followed so far */
	int *parent;
};

static int walk(struct walk *w, int dir, const char *path, size_t n, bool follow);

/* Replaces link node (found in dir) by what its target names. */
static int follow_link(struct walk *w, int dir, int link)
{
	size_t n;
	const char *t = rootfs_link_target(w->fs, link, &n);

	if (++w->links > ROOTFS_SYMLOOP)
		return -LINUX_ELOOP;
	if (w->fs->node[link].special && w->fs->magic)
		return w->fs->magic(w->fs, link);
	return walk(w, dir, t, n, true);
}

static int walk(struct walk *w, int dir, const char *path, size_t n, bool follow)
{
	const char *p = path, *end = path + n;
	bool trailing = n > 0 && path[n - 1] == '/';
	int cur = path[0] == '/' ? ROOTFS_ROOT : dir;

	if (n == 0)
		return -LINUX_ENOENT;
	for (;;) {
		size_t len = next_component(&p, end);
		const char *rest = p + len;
		bool last = next_component(&rest, end) == 0;
		int c;

		if (len == 0)
			break;
		if (!rootfs_is_dir(w->fs, cur))
			return -LINUX_ENOTDIR;
		if (len > ROOTFS_NAME_MAX)
			return -LINUX_ENAMETOOLONG;
		if (len == 1 && p[0] == '.') {
			c = cur;
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			c = w->fs->node[cur].parent;
		} else {
			c = rootfs_lookup(w->fs, cur, p, len);
			if (c < 0) {
				if (last && w->parent)
					*w->parent = cur;
				return -LINUX_ENOENT;
			}
		}
		/* A trailing slash makes the last component a directory, so a
		 * link there is followed too. */
		if (rootfs_is_link(w->fs, c) && (!last || follow || trailing)) {
			c = follow_link(w, cur, c);
			if (c < 0 && !last && w->parent)
				*w->parent = -1; /* a missing directory, not a leaf */
			if (c < 0)
				return c;
		}
		cur = c;
		p += len;
	}
	if (trailing && !rootfs_is_dir(w->fs, cur))
		return -LINUX_ENOTDIR;
	return cur;
}

int rootfs_resolve(const struct rootfs *fs, int dir, const char *path, unsigned flags, int *parent)
{
	struct walk w = {fs, 0, parent};
	int r;

	if (parent)
		*parent = -1;
	r = walk(&w, dir, path, strlen(path), flags & ROOTFS_FOLLOW);
	if (r != -LINUX_ENOENT && parent)
		*parent = -1;
	return r;
}

size_t rootfs_path(const struct rootfs *fs, int node, char *buf, size_t cap)
{
	size_t len = 0, at;

	if (node == ROOTFS_ROOT) {
		if (cap >= 2)
			memcpy(buf, "/", 2);
		return 1;
	}
	for (int i = node; i != ROOTFS_ROOT; i = fs->node[i].parent)
		len += 1 + fs->node[i].namelen;
	if (len >= cap)
		return len;
	at = len;
	buf[at] = '\0';
	for (int i = node; i != ROOTFS_ROOT; i = fs->node[i].parent) {
		at -= fs->node[i].namelen;
		memcpy(buf + at, fs->node[i].name, fs->node[i].namelen);
		buf[--at] = '/';
	}
	return len;
}
