/* What the modules of ExOS's file layer share (fs.c lists them): the open
 * file description, the kinds of file, the root tree, and the few functions
 * one module offers another.  Private to libos/linux/: the rest of ExOS goes
 * through linux.h. */
#ifndef EXOS_LINUX_VFS_H
#define EXOS_LINUX_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs.h"
#include "linux.h"
#include "rootfs.h"

#define NFD      1024 /* descriptors, so also open file descriptions */
#define PATH_MAX 4096
#define IOBUF    (64u * 1024u)

/* Tags of the nodes fs.c adds (rootfs_node.special). */
enum special {
	SP_NONE,
	SP_NULL,
	SP_ZERO,
	SP_FULL,
	SP_RANDOM,
	SP_TTY,
	SP_CONSOLE0, /* unused: the console streams' tag base (stat.c) */
	SP_CONSOLE1,
	SP_CONSOLE2,
	SP_EXE = 14, /* /proc/<pid>/exe */
	SP_CWD = 15, /* /proc/<pid>/cwd */
	SP_GEN = 16, /* + enum gen: a generated /proc file (procfs.c) */
	SP_FD = 64,  /* + fd: /proc/<pid>/fd/N, up to SP_FD + NFD */
};

enum kind {
	K_FREE,
	K_CONSOLE,
	K_NULL,
	K_ZERO,
	K_FULL,
	K_RANDOM,
	K_PIPE,
	K_FILE,
	K_DIR,
	K_PATH,
	K_GEN,     /* a /proc file: generated on each read (procfs.c) */
	K_EVENTFD, /* eventfd.c */
	K_EPOLL,   /* epoll.c */
	K_TIMERFD, /* timer.c */
};

struct ofile {
	uint32_t refs; /* descriptors that share it */
	uint8_t kind;
	uint8_t stream; /* K_CONSOLE: 0 stdin, 1 stdout, 2 stderr; K_PIPE: the pipe */
	int32_t node;   /* -1 for the console streams opened at start */
	uint32_t flags; /* what F_GETFL reports */
	uint64_t off;
	/* The child getdents returned last (dir.c): it resumes after it, so a
	 * directory listing costs O(n), not O(n^2). */
	int32_t dcur;
};

#define LINUX_PIPE_SIZE (16u * 4096u) /* what F_GETPIPE_SZ reports: Linux's default */

/* fs.c: the state every process shares, in the shared region (proc.h) when
 * there is one: the tree with /tmp and /proc, and the open file descriptions
 * (a forked child shares its parent's, and so their offsets, as on Linux).
 * Changed under the region's lock (fs_lock). */
#define NFILE 4096 /* open file descriptions, for all processes */
struct fs_shared {
	struct rootfs root;
	struct ofile files[NFILE];
	uint64_t tmp_used, tmp_limit; /* /tmp's bytes in the region, and its size */
};
extern struct fs_shared *linux_fs;
#define root (linux_fs->root)
/* Memory for the shared state: in the region, zeroed, or if there is none,
 * private pages mapped at private_va.  NULL if neither can be had. */
void *fs_memory(uint64_t private_va, size_t bytes);
bool fs_is_shared(void);
void fs_lock(void);
void fs_unlock(void);

/* ExOS serves one call at a time in a process, so one scratch path and one
 * bounce buffer (writev gathering, sendfile) are enough. */
extern int cwd; /* the working directory's node */
extern char path1[PATH_MAX];
extern uint8_t iobuf[IOBUF];

/* dst/src are program addresses if `user` (checked here), else ExOS memory. */
static inline bool mem_ok(uint64_t addr, size_t n, bool write, bool user)
{
	return !user || linux_user_ok(addr, n, write);
}

/* fd.c */
struct ofile *getf(long fd);
bool readable(const struct ofile *of);
bool writable(const struct ofile *of);
struct ofile *of_alloc(enum kind kind, int node, uint32_t flags);
void of_put(struct ofile *of);
void of_free(struct ofile *of); /* one never installed */
long fd_lowest(long min);
long fd_new(struct ofile *of, bool cloexec);
void fd_set_cloexec(long fd, bool cloexec);

/* io.c */
long do_read(struct ofile *of, uint64_t dst, size_t n, uint64_t *off, bool user);
long do_write(struct ofile *of, uint64_t src, size_t n, uint64_t *off, bool user);
bool seekable(const struct ofile *of);

/* pipe.c */
long pipe_read(const struct ofile *of, uint64_t dst, size_t n, bool user);
/* A wakeup-predicate term true once the pipe changes (poll.c's waits). */
bool pipe_term(const struct ofile *of, struct exo_pred_term *t);
long pipe_write(const struct ofile *of, uint64_t src, size_t n, bool user);
short pipe_events(const struct ofile *of, short events);
size_t pipe_bytes(const struct ofile *of);   /* waiting to be read */
void pipe_close_end(const struct ofile *of); /* the last reference to an end went */

/* dev.c */
long console_write(int stream, const uint8_t *p, size_t n);
long console_read(const struct ofile *of, uint64_t dst, size_t n, bool user);
/* Console input not ready yet: true with *t, the predicate term that holds
 * once more arrives (poll and select sleep on it). */
bool console_input_term(struct exo_pred_term *t);
long gen_read(const struct ofile *of, uint64_t dst, size_t n, bool user);
long open_special(int node, uint32_t flags, bool cloexec);
void dev_add_nodes(void);
#define DEV_NODES 32 /* room dev_add_nodes needs in the root: 18 now, with their directories */

/* tmpfs.c: /tmp, the writable part of the tree (names are not NUL-terminated) */
void tmp_init(void);
bool tmp_writable(int node);
/* A new node in writable dir (a link with target[0..tlen) if target): the node,
 * or -LINUX_EROFS, -LINUX_EEXIST, -LINUX_ENOSPC, -LINUX_ENAMETOOLONG. */
long tmp_create(int dir, const char *name, size_t n, uint32_t mode, const char *target,
                size_t tlen);
void tmp_remove(int node); /* unlinks it; freed at its last close */
void tmp_closed(int node); /* its last open file or cwd went: free it if unlinked */
char *tmp_name(const char *name, size_t n); /* a copy for tmp_rename, NULL if full */
void tmp_name_free(char *name, size_t n);
void tmp_rename(int node, int dir, char *name, size_t n); /* takes name (tmp_name's) */
long tmp_write(int node, uint64_t src, size_t n, uint64_t off, bool user);
long tmp_truncate(int node, uint64_t len);
void tmp_statfs(struct linux_statfs *sf);

/* procfs.c */
#define PROC_NODES (40 + NFD) /* room proc_add_nodes and fd/ need in the root */
void proc_add_nodes(void);
void proc_after_fork(void); /* a fork child's own /proc/<pid> */
void proc_forget(long pid); /* removes /proc/<pid>: its process was reaped */
void proc_sync(void);       /* fd/ in step with the descriptor table: before lookups, listings */
long proc_read(const struct ofile *of, uint64_t dst, size_t n, uint64_t *off, bool user);
const struct ofile *proc_fd_file(int node);           /* fd/N's open file, or NULL */
long proc_link_text(int node, char *buf, size_t cap); /* readlink of fd/N, cwd */
extern uint64_t fd_generation;                        /* fd.c: bumped at each change */

/* path.c */
uint32_t linux_umask(void);
/* What stat and friends describe: a node, or a console stream opened at
 * start (node -1). */
struct target {
	int node;
	int stream;
	int pipe;
};

struct target of_target(const struct ofile *of);
/* What a stat-like call names: a path, or dirfd itself with AT_EMPTY_PATH. */
long stat_target(long dirfd, long upath, long atflags, struct target *t);
const struct ofile *linux_magic_self(int node);
long get_path(char *buf, long upath);
long lookup_at(long dirfd, long upath, char *buf, unsigned flags, int *parent);

#endif
