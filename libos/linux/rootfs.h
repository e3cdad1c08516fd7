/* The root file system of a Linux program under ExOS: a read-only directory
 * tree indexed once from the initramfs (cpio newc), plus the nodes dev.c adds
 * itself (/dev, /proc/self).  Path resolution follows Linux's rules.
 *
 * Pure, freestanding C with no allocation: the caller sizes the tables to the
 * archive (rootfs_cpio_nodes) and gives the memory; names and data point into
 * the archive (or into memory the caller keeps alive), so the host unit tests
 * run it unchanged. */
#ifndef EXOS_LINUX_ROOTFS_H
#define EXOS_LINUX_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* st_mode file types (Linux's). */
#define ROOTFS_S_IFMT   0170000
#define ROOTFS_S_IFSOCK 0140000
#define ROOTFS_S_IFLNK  0120000
#define ROOTFS_S_IFREG  0100000
#define ROOTFS_S_IFBLK  0060000
#define ROOTFS_S_IFDIR  0040000
#define ROOTFS_S_IFCHR  0020000
#define ROOTFS_S_IFIFO  0010000

/* rootfs_node.flags: the caller's, kept as they are (0 for new nodes). */
#define ROOTFS_F_WRITABLE 0x1 /* in a writable (tmpfs) tree */
#define ROOTFS_F_OWN_NAME 0x2 /* the name is the caller's allocation */

#define ROOTFS_NAME_MAX 255
#define ROOTFS_SYMLOOP  40 /* symbolic links followed in one resolution (Linux's) */
#define ROOTFS_ROOT     0
#define ROOTFS_CSTR     ((size_t)-1) /* size of a link whose target is a C string */

struct rootfs_node {
	const char *name; /* not NUL-terminated: namelen bytes */
	uint32_t namelen;
	uint32_t mode;     /* st_mode */
	uint32_t nlink;    /* 1, or 2 + subdirectories for a directory */
	uint32_t special;  /* 0, or the caller's tag for a device node */
	uint32_t mtime;    /* seconds since the epoch, from the archive */
	uint32_t uid, gid; /* the owner, from the archive (0 for nodes ExOS adds) */
	uint32_t opens;    /* the caller's: open files and working directories on it */
	uint32_t flags;    /* the caller's: ROOTFS_F_* */
	size_t cap;        /* the caller's: bytes it allocated for data (0: not its own) */
	int32_t parent;    /* the root is its own parent */
	int32_t first_child, last_child, next_sibling, prev_sibling; /* -1: none */
	uint32_t seq;        /* creation order: children are listed by it (getdents offsets) */
	int32_t hnext;       /* next node in the same (parent, name) hash chain */
	const uint8_t *data; /* a file's bytes, a link's target */
	size_t size;         /* ROOTFS_CSTR: data is NUL-terminated */
};

struct rootfs {
	struct rootfs_node *node; /* cap of them */
	int32_t *bucket;          /* nbucket (a power of two) (parent, name) chains; -1: empty */
	uint32_t cap, nbucket, nnodes; /* nnodes: used at some time (free ones included) */
	uint32_t nfree;                /* of those, on the free list */
	int32_t free_head;             /* freed nodes, linked through hnext; -1: none */
	uint32_t next_seq;
	/* Following a link whose special tag is nonzero asks this (if set): the
	 * node it reaches, or a negative errno.  Linux's /proc "magic" links
	 * (fd/N, cwd) reach a file, not a path. */
	int (*magic)(const struct rootfs *fs, int link);
};

/* A node rootfs_release freed has mode 0 (until it is reused). */
static inline bool rootfs_is_free(const struct rootfs *fs, int node)
{
	return fs->node[node].mode == 0;
}

/* The most nodes (files, directories, links, the root) that indexing the
 * archive can take: its entries, the directories their paths imply, the root.
 * A negative cpio error (CPIO_E*) if the archive is malformed, with *at (if
 * not NULL) the offset of the bad entry. */
long rootfs_cpio_nodes(const void *archive, size_t len, size_t *at);

/* Bytes of memory for a tree of up to `nodes` nodes. */
size_t rootfs_mem_size(uint32_t nodes);

/* An empty tree, just "/" (0755), of up to `nodes` nodes in mem
 * (rootfs_mem_size(nodes) bytes, 8-byte aligned; nodes >= 1). */
void rootfs_init(struct rootfs *fs, void *mem, uint32_t nodes);

/* Where rootfs_load_cpio stopped. */
struct rootfs_bad {
	int cpio;         /* CPIO_E*: the archive is malformed; 0: an entry cannot be placed */
	int err;          /* then LINUX_E* (positive), as rootfs_add returns it */
	size_t pos;       /* the entry's offset in the archive */
	const char *name; /* its name (namelen bytes, from the archive: escape it) */
	size_t namelen;
};

/* One line saying what *bad means ("cannot place a/b (at byte 240): ..."),
 * the name escaped, in buf (ROOTFS_BAD_SHOWN bytes are enough). */
#define ROOTFS_BAD_SHOWN 400
const char *rootfs_bad_str(const struct rootfs_bad *bad, char *buf, size_t cap);

/* Indexes every entry of a cpio newc archive.  Directories that only appear in
 * paths are created (0755); a later entry for the same path replaces an
 * earlier one.  Returns the number of entries indexed, or -1 at the first
 * malformed header or entry that cannot be placed (a ".." or over-long name, a
 * path through a file, a non-empty directory replaced, no room), with *bad
 * saying which (what was read before stays). */
int rootfs_load_cpio(struct rootfs *fs, const void *archive, size_t len, struct rootfs_bad *bad);

/* Adds (or replaces) the node at path (absolute or relative to the root, n
 * bytes, "." and ".." not allowed), creating missing parent directories.
 * name and data must stay valid for the tree's lifetime.  Returns the node, or
 * -LINUX_ENOSPC (table full), -LINUX_ENOTDIR (a parent is not a directory),
 * -LINUX_EEXIST (would replace a non-empty directory), -LINUX_EINVAL. */
int rootfs_add(struct rootfs *fs, const char *path, size_t n, uint32_t mode, const void *data,
               size_t size);

/* A new node named name[0..n) (kept by reference: it must stay valid) in
 * directory dir, listed after dir's other children.  Returns it, or
 * -LINUX_EEXIST, -LINUX_ENOSPC (table full), -LINUX_ENAMETOOLONG. */
int rootfs_create(struct rootfs *fs, int dir, const char *name, size_t n, uint32_t mode);

/* Takes node out of its directory (it must not be the root, nor a directory
 * with children): lookups and listings no longer find it, its parent is -1.
 * It keeps its contents for whoever still has it open. */
void rootfs_detach(struct rootfs *fs, int node);

/* Frees a detached node for reuse. */
void rootfs_release(struct rootfs *fs, int node);

/* Moves node into directory dir under name[0..n) (no child of that name may
 * exist there), listed last. */
void rootfs_move(struct rootfs *fs, int node, int dir, const char *name, size_t n);

/* The child of directory dir named name[0..n), or -1. */
int rootfs_lookup(const struct rootfs *fs, int dir, const char *name, size_t n);

/* Resolution flags. */
#define ROOTFS_FOLLOW 1u /* follow a symbolic link in the last component */

/* Resolves path (NUL-terminated; absolute, or relative to directory `dir`).
 * Returns the node, or -LINUX_ENOENT, -LINUX_ENOTDIR, -LINUX_ELOOP,
 * -LINUX_ENAMETOOLONG.  If only the last component is missing (the path could
 * be created), *parent (if not NULL) gets the directory it would go in;
 * otherwise -1. */
int rootfs_resolve(const struct rootfs *fs, int dir, const char *path, unsigned flags, int *parent);

/* A link's target (not NUL-terminated) and its length. */
const char *rootfs_link_target(const struct rootfs *fs, int node, size_t *len);

/* Writes node's absolute path, NUL-terminated, into buf if it fits in cap
 * bytes.  Returns the length without the NUL (>= cap: it did not fit). */
size_t rootfs_path(const struct rootfs *fs, int node, char *buf, size_t cap);

static inline bool rootfs_is_dir(const struct rootfs *fs, int node)
{
	return (fs->node[node].mode & ROOTFS_S_IFMT) == ROOTFS_S_IFDIR;
}

static inline bool rootfs_is_link(const struct rootfs *fs, int node)
{
	return (fs->node[node].mode & ROOTFS_S_IFMT) == ROOTFS_S_IFLNK;
}

static inline bool rootfs_is_reg(const struct rootfs *fs, int node)
{
	return (fs->node[node].mode & ROOTFS_S_IFMT) == ROOTFS_S_IFREG;
}

#endif
