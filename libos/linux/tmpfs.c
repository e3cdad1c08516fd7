/* /tmp: the writable part of the tree, as Linux's tmpfs.
 *
 * Its nodes are ordinary rootfs nodes flagged ROOTFS_F_WRITABLE; their names,
 * link targets and file data live in the arena of the region every process
 * shares (shared.c), up to three quarters of it, so all processes see one
 * /tmp.  Without a region (no memory for one: a single process) they live in
 * a private arena of up to half the machine's memory, Linux's default size for
 * a tmpfs, reserved whole and mapped 2 MiB at a time as it fills.  A full
 * /tmp, or memory that runs out, is ENOSPC.
 *
 * A file's data is one contiguous allocation, grown by doubling, so reads,
 * mmap's copies and exec see plain bytes.  Invariant: the bytes between a
 * file's size and its allocation are zero, so growing a file (a write past
 * the end, ftruncate) reads back zeroes without a clearing pass.  A file that
 * came with the archive (an --add under /tmp) points into the initramfs until
 * its first change, which copies it.
 *
 * An unlinked file stays while it is open (rootfs_node.opens, counted by
 * fd.c and path.c): the last close frees it. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "arena.h"
#include "fs.h"
#include "linux.h"
#include "proc.h"
#include "rootfs.h"
#include "vfs.h"

#define CHUNK       (2ul << 20) /* the arena is mapped this much at a time */
#define TMP_MIN_CAP 64u         /* a file's first allocation */

static struct arena private_arena;
static uintptr_t mapped_top; /* [LINUX_TMPFS, mapped_top) is mapped */

static struct arena *tmp_arena(void)
{
	return fs_is_shared() ? &linux_shared()->arena : &private_arena;
}

bool tmp_writable(int node)
{
	return root.node[node].flags & ROOTFS_F_WRITABLE;
}

static uint32_t now_s(void)
{
	return (uint32_t)(linux_realtime_ns() / 1000000000u);
}

/* Maps the arena up to end (exclusive), a chunk at a time. */
static bool mapped_to(uintptr_t end)
{
	while (mapped_top < end) {
		if (exos_map_run(mapped_top, CHUNK / EXO_PAGE_SIZE, EXO_PTE_W | EXO_PTE_NX) < 0)
			return false;
		mapped_top += CHUNK;
	}
	return true;
}

/* The arena's memory up to end is mapped (both arenas map as they fill). */
static bool covered(uintptr_t end)
{
	return fs_is_shared() ? linux_shared_cover(end) : mapped_to(end);
}

/* /tmp's share of the arena: linux_fs->tmp_used of tmp_limit bytes. */
static bool charge(size_t n)
{
	if (linux_fs->tmp_used + arena_size_of(n) > linux_fs->tmp_limit)
		return false;
	linux_fs->tmp_used += arena_size_of(n);
	return true;
}

static void *tmp_alloc(size_t n)
{
	uint8_t *p = NULL;

	fs_lock();
	if (charge(n) && !(p = arena_alloc(tmp_arena(), n)))
		linux_fs->tmp_used -= arena_size_of(n);
	if (p && !covered((uintptr_t)p + arena_size_of(n))) {
		arena_free(tmp_arena(), p, n);
		linux_fs->tmp_used -= arena_size_of(n);
		p = NULL;
	}
	fs_unlock();
	return p;
}

static void tmp_free(const void *p, size_t n)
{
	fs_lock();
	arena_free(tmp_arena(), (void *)p, n);
	linux_fs->tmp_used -= arena_size_of(n);
	fs_unlock();
}

/* Grows p (size bytes) to `bigger` where it is, if /tmp and the arena allow. */
static bool tmp_extend(void *p, size_t size, size_t bigger)
{
	size_t more = arena_size_of(bigger) - arena_size_of(size);
	bool ok = false;

	fs_lock();
	if (linux_fs->tmp_used + more <= linux_fs->tmp_limit &&
	    arena_extend(tmp_arena(), p, size, bigger)) {
		if (covered((uintptr_t)p + arena_size_of(bigger))) {
			linux_fs->tmp_used += more;
			ok = true;
		} else { /* give the new pages back */
			arena_free(tmp_arena(), (uint8_t *)p + arena_size_of(size), more);
		}
	}
	fs_unlock();
	return ok;
}

/* Marks dir and everything below it writable (an archive's /tmp). */
static void mark_tree(int dir)
{
	root.node[dir].flags |= ROOTFS_F_WRITABLE;
	for (int c = root.node[dir].first_child; c >= 0; c = root.node[c].next_sibling)
		mark_tree(c);
}

void tmp_init(void)
{
	if (fs_is_shared()) {
		const struct arena *a = tmp_arena();
		linux_fs->tmp_limit = (a->npages - a->used) * ARENA_PAGE / 4 * 3;
	} else {
		uint64_t ram = exo_kinfo()->ram_pages * EXO_PAGE_SIZE;
		uint64_t bytes = ram / 2 < LINUX_TMPFS_MAX ? ram / 2 : LINUX_TMPFS_MAX;
		/* The bitmap comes first: map what it needs before arena_init writes it. */
		uint64_t bitmap = bytes / (ARENA_PAGE * 8) + 8;

		mapped_top = LINUX_TMPFS;
		if (bytes < CHUNK || !mapped_to(LINUX_TMPFS + bitmap))
			linux_refuse(EXOSIM_EXIT_NOMEM, "exos: no memory for /tmp (%lu KiB)\n",
			             (unsigned long)(bytes >> 10));
		linux_fs->tmp_limit =
		        arena_init(&private_arena, (void *)LINUX_TMPFS, bytes) * ARENA_PAGE;
	}

	int t = rootfs_resolve(&root, ROOTFS_ROOT, "/tmp", 0, NULL);
	if (t < 0)
		t = rootfs_add(&root, "/tmp", 4, ROOTFS_S_IFDIR | 01777, NULL, 0);
	if (t < 0 || !rootfs_is_dir(&root, t))
		linux_refuse(EXOSIM_EXIT_USAGE, "exos: /tmp in the initramfs is not a directory\n");
	root.node[t].mtime = now_s();
	mark_tree(t);
}

/* A copy of name[0..n) in the arena (names are not NUL-terminated). */
static char *copy_bytes(const char *name, size_t n)
{
	char *p = n ? tmp_alloc(n) : NULL;

	if (p)
		memcpy(p, name, n);
	return p;
}

static void touch(int node)
{
	root.node[node].mtime = now_s();
}

long tmp_create(int dir, const char *name, size_t n, uint32_t mode, const char *target, size_t tlen)
{
	char *nm;
	long r;

	if (!tmp_writable(dir))
		return -LINUX_EROFS;
	if (n > ROOTFS_NAME_MAX)
		return -LINUX_ENAMETOOLONG;
	if (!(nm = copy_bytes(name, n)))
		return -LINUX_ENOSPC;
	r = rootfs_create(&root, dir, nm, n, mode);
	if (r < 0) {
		tmp_free(nm, n);
		return r;
	}
	struct rootfs_node *f = &root.node[r];
	f->flags = ROOTFS_F_WRITABLE | ROOTFS_F_OWN_NAME;
	f->uid = linux_opts.uid;
	f->gid = linux_opts.gid;
	touch((int)r);
	touch(dir);
	if (target) {
		f->cap = arena_size_of(tlen);
		f->data = (const uint8_t *)copy_bytes(target, tlen);
		f->size = tlen;
		if (!f->data) {
			f->cap = 0;
			tmp_remove((int)r);
			return -LINUX_ENOSPC;
		}
	}
	return r;
}

/* Frees what a detached node owns, and the node. */
static void release(int node)
{
	struct rootfs_node *f = &root.node[node];

	if (f->cap)
		tmp_free(f->data, f->cap);
	if (f->flags & ROOTFS_F_OWN_NAME)
		tmp_free(f->name, f->namelen);
	f->data = NULL;
	f->size = f->cap = 0;
	f->flags = 0;
	rootfs_release(&root, node);
}

void tmp_closed(int node)
{
	if (root.node[node].parent < 0 && root.node[node].opens == 0 && node != ROOTFS_ROOT)
		release(node);
}

void tmp_remove(int node)
{
	int dir = root.node[node].parent;

	rootfs_detach(&root, node);
	root.node[node].nlink = 0; /* what fstat of it still open says */
	touch(dir);
	tmp_closed(node);
}

void tmp_rename(int node, int dir, char *name, size_t n)
{
	struct rootfs_node *f = &root.node[node];
	const char *old = f->name;
	uint32_t oldn = f->namelen;
	bool own = f->flags & ROOTFS_F_OWN_NAME;

	touch(f->parent);
	rootfs_move(&root, node, dir, name, n);
	f->flags |= ROOTFS_F_OWN_NAME;
	if (own)
		tmp_free(old, oldn);
	touch(dir);
}

char *tmp_name(const char *name, size_t n)
{
	return copy_bytes(name, n);
}

void tmp_name_free(char *name, size_t n)
{
	tmp_free(name, n);
}

/* Makes node's data its own, in an allocation of at least `need` bytes. */
static long own_data(int node, size_t need)
{
	struct rootfs_node *f = &root.node[node];
	size_t cap;
	uint8_t *p;

	if (f->cap >= need && f->cap)
		return 0;
	/* Doubling, then by an eighth: a file near /tmp's size must still fit
	 * beside its old copy when it cannot grow in place. */
	cap = f->cap < (1u << 20) ? f->cap * 2 : f->cap + f->cap / 8;
	cap = arena_size_of(cap > need ? cap : need < TMP_MIN_CAP ? TMP_MIN_CAP : need);
	if (f->cap && tmp_extend((void *)f->data, f->cap, cap)) {
		memset((uint8_t *)f->data + f->cap, 0, cap - f->cap);
		f->cap = cap;
		return 0;
	}
	if (cap > linux_fs->tmp_limit || !(p = tmp_alloc(cap)))
		return -LINUX_ENOSPC;
	memcpy(p, f->data, f->size);
	memset(p + f->size, 0, cap - f->size);
	if (f->cap)
		tmp_free(f->data, f->cap);
	f->data = p;
	f->cap = cap;
	return 0;
}

long tmp_write(int node, uint64_t src, size_t n, uint64_t off, bool user)
{
	struct rootfs_node *f = &root.node[node];
	long r;

	if (n == 0)
		return 0;
	if (off > LINUX_TMPFS_MAX || n > LINUX_TMPFS_MAX - off)
		return -LINUX_EFBIG;
	if (!mem_ok(src, n, false, user))
		return -LINUX_EFAULT;
	if ((r = own_data(node, off + n)) < 0)
		return r;
	memcpy((uint8_t *)f->data + off, (const void *)src, n); /* past size: zeroes stay */
	if (off + n > f->size)
		f->size = off + n;
	touch(node);
	return (long)n;
}

long tmp_truncate(int node, uint64_t len)
{
	struct rootfs_node *f = &root.node[node];
	long r;

	if (len > LINUX_TMPFS_MAX)
		return -LINUX_EFBIG;
	if (len == f->size)
		return 0;
	if ((r = own_data(node, len > f->size ? len : f->size)) < 0)
		return r;
	if (len < f->size)
		memset((uint8_t *)f->data + len, 0, f->size - len);
	f->size = len;
	touch(node);
	return 0;
}

void tmp_statfs(struct linux_statfs *sf)
{
	sf->f_type = LINUX_TMPFS_MAGIC;
	sf->f_bsize = sf->f_frsize = ARENA_PAGE;
	sf->f_blocks = linux_fs->tmp_limit / ARENA_PAGE;
	sf->f_bfree = sf->f_bavail = (linux_fs->tmp_limit - linux_fs->tmp_used) / ARENA_PAGE;
	sf->f_files = root.cap;
	sf->f_ffree = root.cap - (root.nnodes - root.nfree);
	sf->f_namelen = ROOTFS_NAME_MAX;
}
