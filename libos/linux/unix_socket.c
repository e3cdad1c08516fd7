/* AF_UNIX sockets: socketpair, socket/bind/listen/accept/connect with path
 * and abstract names, send and receive in all their forms, shutdown, the
 * SOL_SOCKET options, between threads and between processes.
 *
 * The sockets, their names and their receive buffers live in the shared
 * region (shared.c), changed under its lock, so a forked child shares them
 * as Linux's processes do.  A socket's receive queue is a ring of bytes; for
 * datagrams and seqpackets each message is a record (header, sender's name,
 * data) so boundaries and recvfrom's address survive.  A blocked reader,
 * writer, acceptor or connector sleeps in linux_block on the sequence word of
 * the socket whose state it waits for (its own, its peer's, the listener's),
 * which every change bumps; poll sleeps on the table's word, which every
 * change to any socket bumps.
 *
 * Names: an abstract name is its bytes; a path name is looked up by its
 * absolute path (the key), and bind makes the socket's node in /tmp (the
 * only writable tree) as Linux makes it in the file system.  A socket
 * closed leaves its node, as on Linux (connect then gives ECONNREFUSED).
 *
 * SCM_RIGHTS carries open file descriptions (shared, as on Linux: one offset),
 * holding a reference while in flight, up to 8 a message and 4 such messages
 * queued to a socket (ETOOMANYREFS beyond); eventfd, epoll and timerfd
 * descriptions (per process) and SCM_CREDENTIALS fail with EOPNOTSUPP, never
 * dropped.
 * MSG_OOB: EOPNOTSUPP. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "proc.h"
#include "thread.h"
#include "unix_socket.h"
#include "vfs.h"

/* ---- Linux's numbers that abi.h does not have ---- */
#define LINUX_SYS_connect     42
#define LINUX_SYS_accept      43
#define LINUX_SYS_sendto      44
#define LINUX_SYS_recvfrom    45
#define LINUX_SYS_sendmsg     46
#define LINUX_SYS_recvmsg     47
#define LINUX_SYS_shutdown    48
#define LINUX_SYS_bind        49
#define LINUX_SYS_listen      50
#define LINUX_SYS_getsockname 51
#define LINUX_SYS_getpeername 52
#define LINUX_SYS_socketpair  53
#define LINUX_SYS_setsockopt  54
#define LINUX_SYS_getsockopt  55
#define LINUX_SYS_accept4     288

#define LINUX_EDOM            33
#define LINUX_EDESTADDRREQ    89
#define LINUX_EMSGSIZE        90
#define LINUX_EPROTOTYPE      91
#define LINUX_ENOPROTOOPT     92
#define LINUX_EPROTONOSUPPORT 93
#define LINUX_ESOCKTNOSUPPORT 94
#define LINUX_EAFNOSUPPORT    97
#define LINUX_EADDRINUSE      98
#define LINUX_ECONNRESET      104
#define LINUX_EISCONN         106
#define LINUX_ENOTCONN        107
#define LINUX_ETOOMANYREFS    109
#define LINUX_ECONNREFUSED    111

#define AF_UNSPEC      0
#define AF_UNIX        1
#define NPROTO         46 /* families Linux knows of: beyond, EAFNOSUPPORT */
#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define SOCK_RAW       3 /* AF_UNIX makes it a datagram socket, as Linux does */
#define SOCK_SEQPACKET 5
#define SOCK_MAX       11
#define SOCK_TYPE_MASK 0xf
#define SOMAXCONN      4096

#define MSG_OOB          0x1
#define MSG_PEEK         0x2
#define MSG_CTRUNC       0x8
#define MSG_TRUNC        0x20
#define MSG_DONTWAIT     0x40
#define MSG_WAITALL      0x100
#define MSG_NOSIGNAL     0x4000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SHUT_RD   0
#define SHUT_RDWR 2

#define SOL_SOCKET      1
#define SCM_RIGHTS      1
#define SCM_CREDENTIALS 2
#define SCM_MAX_FD      253
#define SO_DEBUG        1
#define SO_REUSEADDR    2
#define SO_TYPE         3
#define SO_ERROR        4
#define SO_DONTROUTE    5
#define SO_BROADCAST    6
#define SO_SNDBUF       7
#define SO_RCVBUF       8
#define SO_KEEPALIVE    9
#define SO_OOBINLINE    10
#define SO_LINGER       13
#define SO_PASSCRED     16
#define SO_PEERCRED     17
#define SO_RCVLOWAT     18
#define SO_SNDLOWAT     19
#define SO_RCVTIMEO     20
#define SO_SNDTIMEO     21
#define SO_ACCEPTCONN   30
#define SO_PROTOCOL     38
#define SO_DOMAIN       39

#define POLLRDHUP 0x2000

/* What Linux's sysctls say by default (net.core.[rw]mem_default, _max) and
 * its floors (SOCK_MIN_SNDBUF, SOCK_MIN_RCVBUF on x86-64). */
#define DEFAULT_BUF 212992u
#define MAX_BUF     212992u
#define MIN_SNDBUF  4608u
#define MIN_RCVBUF  2304u
#define DGRAM_QLEN  10     /* net.unix.max_dgram_qlen */
#define OVERFLOW_ID 65534u /* an unknown uid or gid, as Linux shows it */

/* ---- the table ---- */

#define NSOCK    256
#define SOCK_BUF (64u * 1024u) /* a receive queue's ring */
#define ADDR_MAX 110           /* sizeof(struct sockaddr_un) */
#define KEY_MAX  512           /* a name's key: abstract bytes or absolute path */
#define REC_HDR  8             /* a record's header in the ring */

enum state { S_FREE, S_UNCONN, S_LISTEN, S_CONN };
enum { RCV_SHUT = 1, SEND_SHUT = 2, BOTH_SHUT = 3 };
enum { F_QUEUED = 1, F_PEER_DEAD = 2 }; /* usock.flags */

struct ucred {
	int32_t pid;
	uint32_t uid, gid;
};

/* SCM_RIGHTS: open file descriptions in flight, each holding a reference
 * (they live in the shared region, so any process can install them). */
#define SOCK_ATTACH 4 /* messages carrying descriptions, queued to one socket */
#define ATTACH_FDS  8 /* descriptions one message may carry */

struct fdsnap {
	struct ofile *of;
};

/* Descriptions attached to the bytes [pos, pos + len) of a socket's ring. */
struct attach {
	uint32_t pos, len, n;
	struct fdsnap fd[ATTACH_FDS];
};

struct fdset {
	uint32_t n;
	struct fdsnap fd[ATTACH_FDS];
};

struct usock {
	uint8_t type, state; /* SOCK_*, enum state */
	uint8_t shut;        /* RCV_SHUT, SEND_SHUT */
	uint8_t flags;       /* F_* */
	uint16_t refs;       /* open file descriptions, in all processes */
	int16_t peer;        /* -1: none */
	int16_t next;        /* in a listener's queue of connections */
	int16_t qhead, qtail;
	uint16_t qlen;               /* LISTEN: connections waiting for accept */
	uint32_t backlog;            /* LISTEN: qlen may exceed it by one, as on Linux */
	int32_t err;                 /* SO_ERROR (positive) */
	uint32_t sndbuf, rcvbuf;     /* what SO_SNDBUF, SO_RCVBUF report */
	uint32_t opts;               /* boolean options set: bit SO_* */
	int32_t linger[2];           /* SO_LINGER, reported as set */
	uint64_t rcvtimeo, sndtimeo; /* ns; 0: none */
	struct ucred cred, peercred; /* ours (at listen, connect), the peer's */
	uint8_t *buf;                /* SOCK_BUF bytes of ring; NULL until needed */
	uint32_t head, tail;         /* free running: [tail, head) holds data */
	uint32_t nrec;               /* records in it (datagrams, seqpackets) */
	uint32_t sleeper;            /* env id of the last process to sleep on it, 0: none */
	volatile uint64_t seq;       /* ++ at each change: what sleepers watch */
	uint8_t natt;                /* att[0..natt): oldest first */
	struct attach att[SOCK_ATTACH];
	uint16_t alen, palen, keylen; /* our name's length (0: unbound), the peer's, the key's */
	uint8_t addr[ADDR_MAX];       /* our name, as getsockname reports it */
	uint8_t paddr[ADDR_MAX];      /* the peer's, as getpeername reports it */
	char key[KEY_MAX];            /* what finds us; keylen 0: nothing does */
};

struct usock_table {
	volatile uint64_t seq; /* ++ at each change to any socket: what poll watches */
	uint32_t autobind;     /* the next abstract name bind() without one gets */
	struct usock s[NSOCK];
};

static struct usock_table *tbl;

static struct usock_table *table(void)
{
	struct shared_hdr *sh;
	if (tbl)
		return tbl;
	if (!(sh = linux_shared()))
		return NULL;
	if (!sh->usock_va) {
		void *t = exos_shared_alloc(sizeof(struct usock_table));
		linux_shared_lock();
		if (!sh->usock_va && t)
			sh->usock_va = (uint64_t)t, t = NULL;
		linux_shared_unlock();
		exos_shared_free(t, sizeof(struct usock_table));
	}
	tbl = (struct usock_table *)sh->usock_va;
	return tbl;
}

static struct usock *at(int i)
{
	return i < 0 ? NULL : &tbl->s[i];
}

static int16_t idx(const struct usock *s)
{
	return (int16_t)(s - tbl->s);
}

static struct usock *sock_of(const struct ofile *of)
{
	return &table()->s[of->dcur];
}

/* Every change: sleepers on s, pollers of sockets, and pollers of many
 * shared files (io_seq) wake; the process asleep on s gets the CPU when we
 * next wait (a directed wake-up, as for pipes). */
static void touch(struct usock *s)
{
	if (s) {
		s->seq++;
		tbl->seq++;
		linux_shared()->io_seq++;
		if (s->sleeper) {
			linux_handoff_to(s->sleeper);
			s->sleeper = 0;
		}
	}
}

static bool conn_oriented(const struct usock *s)
{
	return s->type != SOCK_DGRAM;
}

static uint32_t used(const struct usock *s)
{
	return s->head - s->tail;
}

static uint32_t room(const struct usock *s)
{
	return s->buf ? SOCK_BUF - used(s) : 0;
}

static struct ucred my_cred(void)
{
	return (struct ucred){(int32_t)linux_pid(), linux_opts.uid, linux_opts.gid};
}

/* A free socket of type (state S_UNCONN, one reference), or NULL.  Under
 * the lock. */
static struct usock *sock_new(int type)
{
	for (int i = 0; i < NSOCK; i++) {
		struct usock *s = &tbl->s[i];
		if (s->state != S_FREE)
			continue;
		uint64_t seq = s->seq;
		memset(s, 0, sizeof(*s));
		s->seq = seq + 1;
		s->type = (uint8_t)type;
		s->state = S_UNCONN;
		s->refs = 1;
		s->peer = s->next = s->qhead = s->qtail = -1;
		s->sndbuf = s->rcvbuf = DEFAULT_BUF;
		s->peercred = (struct ucred){0, OVERFLOW_ID, OVERFLOW_ID};
		return s;
	}
	return NULL;
}

/* Buffers are allocated outside the lock (the allocator takes it). */
static uint8_t *buf_new(void)
{
	return exos_shared_alloc(SOCK_BUF);
}

static void buf_free(uint8_t *b)
{
	exos_shared_free(b, SOCK_BUF);
}

/* ---- the ring ---- */

static void ring_in(struct usock *s, const void *src, uint32_t n)
{
	uint32_t o = s->head % SOCK_BUF, k = n < SOCK_BUF - o ? n : SOCK_BUF - o;
	memcpy(s->buf + o, src, k);
	memcpy(s->buf, (const uint8_t *)src + k, n - k);
	s->head += n;
}

/* Copies n bytes from `off` bytes past the tail, without taking them. */
static void ring_out(const struct usock *s, uint32_t off, void *dst, uint32_t n)
{
	uint32_t o = (s->tail + off) % SOCK_BUF, k = n < SOCK_BUF - o ? n : SOCK_BUF - o;
	memcpy(dst, s->buf + o, k);
	memcpy((uint8_t *)dst + k, s->buf, n - k);
}

struct rec_hdr {
	uint32_t len;  /* data bytes */
	uint16_t alen; /* sender's name bytes that follow the header */
	uint16_t pad;
};

static struct rec_hdr rec_first(const struct usock *s)
{
	struct rec_hdr h;
	ring_out(s, 0, &h, sizeof(h));
	return h;
}

/* ---- the program's buffers: one, or an iovec array ---- */

#define UIO_MAXIOV 1024

struct uio {
	uint64_t uiov; /* the program's iovec array, or 0: `one` */
	long cnt;
	struct linux_iovec one;
	bool user; /* addresses are the program's (else ExOS's: sendfile) */
};

static bool uio_get(const struct uio *u, long i, struct linux_iovec *v)
{
	if (!u->uiov) {
		*v = u->one;
		return i == 0;
	}
	return i < u->cnt &&
	       linux_copy_from_user(v, u->uiov + (uint64_t)i * sizeof(*v), sizeof(*v)) == 0;
}

/* Bytes the buffers hold, or -EFAULT (the array) / -EINVAL (too long). */
static long uio_total(const struct uio *u)
{
	struct linux_iovec v;
	uint64_t total = 0;
	for (long i = 0; i < (u->uiov ? u->cnt : 1); i++) {
		if (!uio_get(u, i, &v))
			return -LINUX_EFAULT;
		if (v.len > (uint64_t)__LONG_MAX__ - total)
			return -LINUX_EINVAL;
		total += v.len;
	}
	return (long)total;
}

/* How many of the first n bytes may be accessed (write: stored to); they
 * are faulted in, so the lock holder then copies without faulting. */
static size_t uio_ok(const struct uio *u, size_t n, bool write)
{
	struct linux_iovec v;
	size_t ok = 0;
	for (long i = 0; ok < n && uio_get(u, i, &v); i++) {
		size_t k = v.len < n - ok ? v.len : n - ok;
		if (!mem_ok(v.base, k, write, u->user))
			break;
		ok += k;
	}
	return ok;
}

/* Moves n bytes between the buffers (from byte `skip` on) and the ring:
 * into s's ring (in), or out of it from `off` past its tail. */
static void uio_move(const struct uio *u, size_t skip, struct usock *s, uint32_t off, size_t n,
                     bool in)
{
	struct linux_iovec v;
	for (long i = 0; n && uio_get(u, i, &v); i++) {
		if (skip >= v.len) {
			skip -= v.len;
			continue;
		}
		size_t k = v.len - skip < n ? v.len - skip : n;
		if (in)
			ring_in(s, (const void *)(v.base + skip), (uint32_t)k);
		else
			ring_out(s, off, (void *)(v.base + skip), (uint32_t)k);
		off += (uint32_t)k, n -= k, skip = 0;
	}
}

/* ---- names ---- */

struct uname {
	uint8_t addr[ADDR_MAX + 1]; /* +1: a path of 108 bytes gets its NUL */
	uint16_t alen;              /* as getsockname will report it */
	bool abstract;
	char key[KEY_MAX];
	uint16_t keylen;
};

/* Copies in a sockaddr_un and checks it as unix_validate_addr does. */
static long name_in(long uaddr, long len, struct uname *nm)
{
	if (len <= 2 || len > ADDR_MAX)
		return -LINUX_EINVAL;
	memset(nm->addr, 0, sizeof(nm->addr));
	if (linux_copy_from_user(nm->addr, (uint64_t)uaddr, (size_t)len) < 0)
		return -LINUX_EFAULT;
	if (nm->addr[0] != AF_UNIX || nm->addr[1] != 0)
		return -LINUX_EINVAL;
	nm->abstract = nm->addr[2] == 0;
	if (nm->abstract) {
		nm->alen = (uint16_t)len;
		nm->keylen = (uint16_t)(len - 2);
		memcpy(nm->key, nm->addr + 2, nm->keylen);
	} else {
		nm->alen = (uint16_t)(2 + strlen((char *)nm->addr + 2) + 1);
	}
	return 0;
}

static const char *path_of(const struct uname *nm)
{
	return (const char *)nm->addr + 2;
}

/* The last component of path (trailing slashes skipped); *slash: it had one. */
static const char *last_name(const char *path, size_t *n, bool *slash)
{
	size_t end = strlen(path), start;
	*slash = end && path[end - 1] == '/';
	while (end > 1 && path[end - 1] == '/')
		end--;
	for (start = end; start > 0 && path[start - 1] != '/'; start--)
		;
	*n = end - start;
	return path + start;
}

/* nm's key: the absolute path of directory `dir` joined with name[0..n). */
static long key_join(struct uname *nm, int dir, const char *name, size_t n)
{
	size_t k = rootfs_path(&root, dir, nm->key, KEY_MAX);
	if (k >= KEY_MAX)
		return -LINUX_ENAMETOOLONG;
	if (k > 1)
		nm->key[k++] = '/';
	if (k + n >= KEY_MAX)
		return -LINUX_ENAMETOOLONG;
	memcpy(nm->key + k, name, n);
	nm->keylen = (uint16_t)(k + n);
	return 0;
}

/* HOOK (the tree's owner: a socket-aware tmpfs may want its own call here):
 * the socket's node, S_IFSOCK with 0777 less the umask as Linux makes it,
 * through tmpfs.c's own tmp_create under the tree's lock, so it appears in
 * listings, stat says "socket", unlink removes it and a second bind, in any
 * process, finds it (EADDRINUSE).  -LINUX_E* (ENOSPC...) */
static long make_node(int dir, const char *name, size_t n)
{
	long r = tmp_create(dir, name, n, ROOTFS_S_IFSOCK | (0777 & ~linux_umask()), NULL, 0);
	return r == -LINUX_EEXIST ? -LINUX_EADDRINUSE : r;
}

/* bind's path: a name that does not exist yet, in /tmp; its node made.
 * The tree is every process's: looked at and changed under its lock. */
static long bind_path_locked(struct uname *nm, const struct usock *s)
{
	int parent;
	size_t n;
	bool slash;
	proc_sync();
	long r = rootfs_resolve(&root, cwd, path_of(nm), 0, &parent);
	if (r >= 0)
		return -LINUX_EADDRINUSE;
	if (r != -LINUX_ENOENT || parent < 0)
		return r;
	if (s->alen) /* Linux makes the node first: a taken path said EADDRINUSE */
		return -LINUX_EINVAL;
	if (!tmp_writable(parent))
		return -LINUX_EROFS; /* a read-only file system, as Linux says */
	const char *name = last_name(path_of(nm), &n, &slash);
	if (slash)
		return -LINUX_ENOENT;
	if ((r = key_join(nm, parent, name, n)) < 0)
		return r;
	return make_node(parent, name, n);
}

static long bind_path(struct uname *nm, const struct usock *s)
{
	fs_lock();
	long r = bind_path_locked(nm, s);
	fs_unlock();
	return r;
}

/* connect's and sendto's path: the node must be there and be a socket. */
static long find_path_locked(struct uname *nm)
{
	proc_sync();
	long r = rootfs_resolve(&root, cwd, path_of(nm), ROOTFS_FOLLOW, NULL);
	if (r < 0)
		return r;
	if ((root.node[r].mode & ROOTFS_S_IFMT) != ROOTFS_S_IFSOCK)
		return -LINUX_ECONNREFUSED;
	size_t k = rootfs_path(&root, (int)r, nm->key, KEY_MAX);
	if (k >= KEY_MAX)
		return -LINUX_ENAMETOOLONG;
	nm->keylen = (uint16_t)k;
	return 0;
}

static long find_path(struct uname *nm)
{
	fs_lock();
	long r = find_path_locked(nm);
	fs_unlock();
	return r;
}

/* The socket bound to key, or NULL.  Abstract names are per type on Linux
 * (a stream and a datagram socket may hold the same one): type 0 for a path
 * (any type).  Under the lock. */
static struct usock *by_key(const char *key, uint16_t n, int type)
{
	for (int i = 0; i < NSOCK; i++) {
		struct usock *s = &tbl->s[i];
		if (s->state != S_FREE && s->keylen == n && memcmp(s->key, key, n) == 0 &&
		    (!type || s->type == type))
			return s;
	}
	return NULL;
}

/* The socket of `type` nm names, under the lock it returns with; or
 * -ECONNREFUSED (nobody there), -EPROTOTYPE (a path's socket of another
 * type), a path's lookup error. */
static long lookup_locked(struct uname *nm, int type, struct usock **out)
{
	long r = nm->abstract ? 0 : find_path(nm);
	if (r < 0)
		return r;
	linux_shared_lock();
	*out = by_key(nm->key, nm->keylen, nm->abstract ? type : 0);
	if (*out && (*out)->type == type)
		return 0;
	linux_shared_unlock();
	return *out ? -LINUX_EPROTOTYPE : -LINUX_ECONNREFUSED;
}

static void name_set(struct usock *s, const struct uname *nm)
{
	s->alen = nm->alen;
	memcpy(s->addr, nm->addr, nm->alen);
	s->keylen = nm->keylen;
	memcpy(s->key, nm->key, nm->keylen);
}

/* An abstract name of five hex digits, as Linux's autobind picks.  Under the lock. */
static void autobind(struct usock *s)
{
	struct uname nm = {.addr = {AF_UNIX, 0, 0}, .alen = 8, .abstract = true, .keylen = 6};
	do {
		static const char hex[] = "0123456789abcdef";
		uint32_t v = tbl->autobind++ & 0xfffff;
		for (int i = 0; i < 5; i++)
			nm.addr[3 + i] = (uint8_t)hex[(v >> (16 - 4 * i)) & 0xf];
		memcpy(nm.key, nm.addr + 2, 6);
	} while (by_key(nm.key, nm.keylen, s->type));
	name_set(s, &nm);
}

/* Writes a name to the program: min(*ulen, len) bytes, and len to *ulen. */
static long name_out(long uaddr, long ulen, const uint8_t *addr, uint16_t len)
{
	int32_t have;
	if (linux_copy_from_user(&have, (uint64_t)ulen, sizeof(have)) < 0)
		return -LINUX_EFAULT;
	if (have < 0)
		return -LINUX_EINVAL;
	uint16_t sa[1] = {AF_UNIX};
	if (len == 0) /* unbound: the family alone */
		addr = (const uint8_t *)sa, len = 2;
	size_t k = (size_t)have < len ? (size_t)have : len;
	if (linux_copy_to_user((uint64_t)uaddr, addr, k) < 0)
		return -LINUX_EFAULT;
	int32_t l = len;
	return linux_copy_to_user((uint64_t)ulen, &l, sizeof(l)) < 0 ? -LINUX_EFAULT : 0;
}

/* ---- descriptors ---- */

/* The socket fd names: 0 or -EBADF / -ENOTSOCK. */
static long getsock(long fd, struct ofile **of)
{
	*of = getf(fd);
	if (!*of)
		return -LINUX_EBADF;
	return (*of)->kind == K_SOCKET ? 0 : -LINUX_ENOTSOCK;
}

#define GETSOCK(fd)                                                                                \
	struct ofile *of;                                                                          \
	long err_ = getsock(fd, &of);                                                              \
	if (err_)                                                                                  \
		return err_;                                                                       \
	struct usock *s = sock_of(of)

/* A description and a descriptor for socket s (whose reference it takes):
 * the descriptor, or -EMFILE/-ENFILE (s then released by the caller). */
static long sock_fd(struct usock *s, long flags)
{
	struct ofile *of =
	        of_alloc(K_SOCKET, -1, LINUX_O_RDWR | (uint32_t)(flags & LINUX_O_NONBLOCK));
	if (!of)
		return -LINUX_ENFILE;
	of->dcur = idx(s);
	return fd_new(of, flags & LINUX_O_CLOEXEC);
}

/* What a release leaves to do once the socket is gone: buffers to free. */
struct trash {
	uint8_t *bufs[NSOCK];
	int nbufs;
};

static void release(struct usock *s, struct trash *t);

/* Drops the reference a description in flight holds (the lock nests). */
static void snap_drop_locked(const struct fdsnap *f, struct trash *t)
{
	(void)t;
	of_put(f->of);
}

static void trash_empty(struct trash *t)
{
	while (t->nbufs)
		buf_free(t->bufs[--t->nbufs]);
}

/* Drops a reference (sock_new's, or an open file description's). */
static void sock_unref(struct usock *s)
{
	struct trash t = {.nbufs = 0};
	linux_shared_lock();
	if (--s->refs == 0)
		release(s, &t);
	linux_shared_unlock();
	trash_empty(&t);
}

/* Drops a reference taken by sock_new that never reached a descriptor. */
static void sock_drop(struct usock *s)
{
	sock_unref(s);
}

/* ---- closing ---- */

static void unlink_from(struct usock *s, struct trash *t)
{
	struct usock *p = at(s->peer);
	if (conn_oriented(s) && p && p->peer == idx(s)) {
		/* The peer reads what is left, then EOF; writes get EPIPE.  Data we
		 * never read: it is told the connection was reset. */
		p->shut = BOTH_SHUT;
		if (used(s) || (s->flags & F_QUEUED))
			p->err = LINUX_ECONNRESET;
		p->peer = -1;
		touch(p);
	}
	if (!conn_oriented(s)) /* datagram sockets connected to us: the next send is refused */
		for (int i = 0; i < NSOCK; i++)
			if (tbl->s[i].state != S_FREE && tbl->s[i].peer == idx(s)) {
				tbl->s[i].peer = -1;
				tbl->s[i].flags |= F_PEER_DEAD;
				touch(&tbl->s[i]);
			}
	if (s->buf)
		t->bufs[t->nbufs++] = s->buf;
	s->buf = NULL;
	/* Descriptions in flight to us that nobody will read now. */
	uint8_t natt = s->natt;
	s->natt = 0;
	for (int i = 0; i < natt; i++)
		for (uint32_t k = 0; k < s->att[i].n; k++)
			snap_drop_locked(&s->att[i].fd[k], t);
}

/* The last reference went: the socket and, if it listened, the connections
 * nobody accepted.  Under the lock; t: what to do after it. */
static void release(struct usock *s, struct trash *t)
{
	if (s->state == S_LISTEN)
		while (s->qhead >= 0) {
			struct usock *e = at(s->qhead);
			s->qhead = e->next;
			unlink_from(e, t);
			e->state = S_FREE;
			touch(e);
		}
	unlink_from(s, t);
	s->state = S_FREE;
	s->keylen = 0;
	touch(s);
}

void usock_close(const struct ofile *of)
{
	sock_unref(sock_of(of));
}

/* ---- waiting ---- */

/* Sleeps until s changes from seq (or the deadline, ns: 0 none).  0, or
 * -EINTR, or -EAGAIN when SO_*TIMEO ran out (Linux's answer). */
static long wait_change(struct usock *s, uint64_t seq, uint64_t deadline)
{
	struct exo_pred_term t = linux_pred_word(&s->seq, EXO_PRED_NE, seq);
	s->sleeper = linux_handoff_self(); /* for touch: a racy store, only a hint */
	long r = linux_block(&t, 1, deadline);
	return r == -LINUX_ETIMEDOUT ? -LINUX_EAGAIN : r;
}

static uint64_t deadline_of(uint64_t timeo)
{
	return timeo ? linux_monotonic_ns() + timeo : 0;
}

/* ---- sending ---- */

struct send_args {
	const struct uio *u;
	size_t n;  /* bytes in it */
	int flags; /* MSG_* */
	bool nonblock;
	struct uname *to;  /* sendto's name, or NULL */
	struct fdset *fds; /* SCM_RIGHTS' descriptions, or NULL */
	bool attached;     /* they went with the first bytes sent */
};

/* Queues a's descriptions with the bytes [pos, pos + len) of p's ring (once):
 * false if p has too many messages carrying some already.  Under the lock. */
static bool attach_to(struct usock *p, struct send_args *a, uint32_t pos, uint32_t len)
{
	if (!a->fds || !a->fds->n || a->attached)
		return true;
	if (p->natt == SOCK_ATTACH)
		return false;
	struct attach *t = &p->att[p->natt++];
	t->pos = pos, t->len = len, t->n = a->fds->n;
	memcpy(t->fd, a->fds->fd, sizeof(t->fd[0]) * t->n);
	a->attached = true;
	return true;
}

/* Why s cannot send to p now (a connection-oriented socket): -EPIPE etc., 0: it can. */
static long stream_check(const struct usock *s)
{
	if (s->shut & SEND_SHUT)
		return -LINUX_EPIPE;
	if (s->state != S_CONN)
		return -LINUX_ENOTCONN;
	const struct usock *p = at(s->peer);
	if (!p || (p->shut & RCV_SHUT))
		return -LINUX_EPIPE;
	return 0;
}

static long stream_send(struct usock *s, struct send_args *a)
{
	size_t done = 0;
	uint64_t deadline = deadline_of(s->sndtimeo);
	for (;;) {
		linux_shared_lock();
		long err = stream_check(s);
		struct usock *p = at(s->peer);
		uint64_t seq = p ? p->seq : 0;
		size_t k = 0;
		if (!err) {
			k = room(p) < a->n - done ? room(p) : a->n - done;
			if (k && !attach_to(p, a, p->head, (uint32_t)k))
				err = -LINUX_ETOOMANYREFS, k = 0;
			uio_move(a->u, done, p, 0, k, true);
			if (k)
				touch(p);
		}
		linux_shared_unlock();
		done += k;
		if (err) {
			if (err == -LINUX_EPIPE && !(a->flags & MSG_NOSIGNAL))
				linux_signal_raise(linux_cur_ctx, LINUX_SIGPIPE);
			return done ? (long)done : err;
		}
		if (done == a->n)
			return (long)done;
		if (k)
			continue;
		if (a->nonblock)
			return done ? (long)done : -LINUX_EAGAIN;
		long r = wait_change(p, seq, deadline);
		if (r < 0)
			return done ? (long)done : r;
	}
}

/* Where a datagram goes: the socket, with the lock held; or -E*. */
static long dgram_target(struct usock *s, struct send_args *a, struct usock **out)
{
	if (a->to) {
		long r = lookup_locked(a->to, s->type, out);
		if (r < 0)
			return r;
		/* A socket connected to another takes nothing from us (Linux's unix_may_send). */
		if ((*out)->peer >= 0 && (*out)->peer != idx(s)) {
			linux_shared_unlock();
			return -LINUX_EPERM;
		}
		return 0;
	}
	linux_shared_lock();
	if (s->flags & F_PEER_DEAD) { /* the first send after the peer went */
		s->flags &= (uint8_t)~F_PEER_DEAD;
		s->state = S_UNCONN;
		linux_shared_unlock();
		return -LINUX_ECONNREFUSED;
	}
	if (!(*out = at(s->peer))) {
		linux_shared_unlock();
		return -LINUX_ENOTCONN;
	}
	return 0;
}

/* One message (datagram or seqpacket) into p's ring, whole, or not at all.
 * Under the lock.  1 sent, 0 full, -ETOOMANYREFS. */
static int record_put(struct usock *s, struct usock *p, struct send_args *a)
{
	uint32_t need = REC_HDR + s->alen + (uint32_t)a->n;
	/* Unconnected datagrams queue up to max_dgram_qlen (+1, as Linux counts). */
	bool limited = p->type == SOCK_DGRAM && p->peer != idx(s);
	if (room(p) < need || (limited && p->nrec > DGRAM_QLEN))
		return 0;
	if (!attach_to(p, a, p->head, need))
		return -LINUX_ETOOMANYREFS;
	struct rec_hdr h = {(uint32_t)a->n, s->alen, 0};
	ring_in(p, &h, sizeof(h));
	ring_in(p, s->addr, s->alen);
	uio_move(a->u, 0, p, 0, a->n, true);
	p->nrec++;
	touch(p);
	return 1;
}

static long record_send(struct usock *s, struct send_args *a)
{
	uint64_t deadline = deadline_of(s->sndtimeo);
	if (REC_HDR + ADDR_MAX + a->n > SOCK_BUF || a->n > s->sndbuf - 32)
		return -LINUX_EMSGSIZE;
	for (;;) {
		struct usock *p;
		long r;
		if (s->type == SOCK_SEQPACKET) {
			/* ENOTCONN or EPIPE; Linux sends no SIGPIPE for a seqpacket */
			linux_shared_lock();
			if ((r = stream_check(s)) < 0) {
				linux_shared_unlock();
				return r;
			}
			p = at(s->peer);
		} else if ((r = dgram_target(s, a, &p)) < 0) {
			return r;
		}
		if (p->shut & RCV_SHUT) {
			linux_shared_unlock();
			return -LINUX_EPIPE;
		}
		int sent = record_put(s, p, a);
		uint64_t seq = p->seq;
		linux_shared_unlock();
		if (sent)
			return sent < 0 ? sent : (long)a->n;
		if (a->nonblock)
			return -LINUX_EAGAIN;
		if ((r = wait_change(p, seq, deadline)) < 0)
			return r;
	}
}

static long send_one(struct usock *s, struct send_args *a)
{
	if (conn_oriented(s)) {
		if (s->type == SOCK_SEQPACKET)
			return record_send(s, a); /* a name, if any, is ignored */
		if (a->to) /* Linux: a name on a connected stream is EISCONN, else EOPNOTSUPP */
			return s->state == S_CONN ? -LINUX_EISCONN : -LINUX_EOPNOTSUPP;
		return stream_send(s, a);
	}
	return record_send(s, a);
}

static void snaps_drop(struct fdset *fs);

/* fds: SCM_RIGHTS' descriptions with their references (dropped if they do
 * not go), or NULL. */
static long do_send(struct ofile *of, const struct uio *u, int flags, struct uname *to,
                    struct fdset *fds)
{
	struct usock *s = sock_of(of);
	long n = flags & MSG_OOB ? -LINUX_EOPNOTSUPP : uio_total(u);
	if (n >= 0 && uio_ok(u, (size_t)n, false) < (size_t)n)
		n = -LINUX_EFAULT;
	struct send_args a = {.u = u,
	                      .n = (size_t)n,
	                      .flags = flags,
	                      .nonblock = (of->flags & LINUX_O_NONBLOCK) || (flags & MSG_DONTWAIT),
	                      .to = to,
	                      .fds = fds};
	long r = n < 0 ? n : send_one(s, &a);
	if (fds && fds->n && !a.attached)
		snaps_drop(fds); /* not sent, or a stream write of nothing: Linux drops them too */
	return r;
}

/* ---- passing descriptions (SCM_RIGHTS) ---- */

/* Every kind but those whose state is in the process's own tables
 * (eventfd.c, epoll.c, timer.c): another process could not use them. */
static bool carried(uint8_t kind)
{
	return kind != K_EVENTFD && kind != K_EPOLL && kind != K_TIMERFD;
}

struct cmsg_hdr {
	uint64_t len;
	int32_t level, type;
};

/* A sendmsg's control messages: SCM_RIGHTS' descriptions into fs (no
 * references taken yet).  0 or -E*: SCM_CREDENTIALS is not carried
 * (EOPNOTSUPP, never dropped), nor are descriptions of other kinds. */
static long cmsg_in(uint64_t uctl, uint64_t len, struct fdset *fs)
{
	struct cmsg_hdr h;
	fs->n = 0;
	for (uint64_t off = 0; off + sizeof(h) <= len; off += (h.len + 7) & ~7ul) {
		if (linux_copy_from_user(&h, uctl + off, sizeof(h)) < 0)
			return -LINUX_EFAULT;
		if (h.len < sizeof(h) || h.len > len - off)
			return -LINUX_EINVAL;
		if (h.level != SOL_SOCKET) /* Linux ignores other levels on a socket */
			continue;
		if (h.type == SCM_CREDENTIALS)
			return -LINUX_EOPNOTSUPP;
		if (h.type != SCM_RIGHTS)
			return -LINUX_EINVAL;
		uint64_t k = (h.len - sizeof(h)) / sizeof(int32_t);
		if (fs->n + k > SCM_MAX_FD)
			return -LINUX_EINVAL;
		if (fs->n + k > ATTACH_FDS)
			return -LINUX_ETOOMANYREFS;
		for (uint64_t i = 0; i < k; i++) {
			int32_t fd;
			struct ofile *f;
			if (linux_copy_from_user(&fd, uctl + off + sizeof(h) + i * 4, 4) < 0)
				return -LINUX_EFAULT;
			if (!(f = getf(fd)))
				return -LINUX_EBADF;
			if (!carried(f->kind))
				return -LINUX_EOPNOTSUPP;
			fs->fd[fs->n++] = (struct fdsnap){f};
		}
	}
	return 0;
}

/* In flight, a description is referenced as by a descriptor. */
static void snaps_hold(const struct fdset *fs)
{
	fs_lock();
	for (uint32_t i = 0; i < fs->n; i++)
		fs->fd[i].of->refs++;
	fs_unlock();
}

static void snaps_drop(struct fdset *fs)
{
	struct trash t = {.nbufs = 0};
	linux_shared_lock();
	for (uint32_t i = 0; i < fs->n; i++)
		snap_drop_locked(&fs->fd[i], &t);
	linux_shared_unlock();
	trash_empty(&t);
	fs->n = 0;
}

/* Takes the descriptions attached at s's tail.  Under the lock. */
static void detach(struct usock *s, struct fdset *got)
{
	got->n = s->att[0].n;
	memcpy(got->fd, s->att[0].fd, sizeof(got->fd[0]) * got->n);
	s->natt--;
	memmove(&s->att[0], &s->att[1], sizeof(s->att[0]) * s->natt);
}

/* recvmsg: the descriptions received become descriptors, as many as the
 * control buffer has room for (the rest are closed: MSG_CTRUNC).  Returns
 * the control bytes used, or -EFAULT. */
static long fds_out(struct fdset *got, uint64_t uctl, uint64_t len, bool cloexec, int *msg_flags)
{
	int32_t fds[ATTACH_FDS];
	uint32_t i = 0, room = 0;
	if (len > sizeof(struct cmsg_hdr))
		room = (uint32_t)((len - sizeof(struct cmsg_hdr)) / sizeof(int32_t));
	for (; i < got->n && i < room; i++) {
		if (fd_lowest(0) < 0)
			break;
		fds[i] =
		        (int32_t)fd_new(got->fd[i].of, cloexec); /* takes the reference in flight */
	}
	if (i < got->n) {
		struct fdset rest = {.n = got->n - i};
		memcpy(rest.fd, got->fd + i, sizeof(rest.fd[0]) * rest.n);
		snaps_drop(&rest);
		*msg_flags |= MSG_CTRUNC;
	}
	got->n = 0;
	if (!i)
		return 0;
	struct cmsg_hdr h = {sizeof(h) + 4 * i, SOL_SOCKET, SCM_RIGHTS};
	uint64_t space = sizeof(h) + ((4 * i + 7) & ~7u);
	if (linux_copy_to_user(uctl, &h, sizeof(h)) < 0 ||
	    linux_copy_to_user(uctl + sizeof(h), fds, 4 * i) < 0)
		return -LINUX_EFAULT;
	return (long)(space < len ? space : len);
}

/* ---- receiving ---- */

struct recv_args {
	const struct uio *u;
	size_t n;
	int flags;
	bool nonblock;
	uint8_t from[ADDR_MAX]; /* the sender's name (datagrams) */
	uint16_t fromlen;
	int msg_flags;    /* MSG_TRUNC, MSG_CTRUNC */
	bool want_fds;    /* recvmsg: descriptions received become descriptors */
	struct fdset got; /* the descriptions that came with the data */
};

/* What ends a wait for data with no data: 0 (EOF), -err, or 1: wait. */
static long recv_end(struct usock *s)
{
	if (s->err) {
		long e = s->err;
		s->err = 0;
		return -e;
	}
	if (s->shut & RCV_SHUT)
		return 0;
	return 1;
}

static long stream_recv(struct usock *s, struct recv_args *a)
{
	size_t done = 0, ok = 0;
	uint64_t deadline = deadline_of(s->rcvtimeo);
	bool peek = a->flags & MSG_PEEK;
	for (;;) {
		/* Fault in the program's buffer for what may be taken, outside the lock. */
		size_t want = a->n - done, avail = used(s) < want ? used(s) : want;
		if (avail > ok) {
			ok = uio_ok(a->u, done + avail, true) - done;
			if (ok == 0)
				return done ? (long)done : -LINUX_EFAULT;
		}
		linux_shared_lock();
		if (s->state != S_CONN) {
			linux_shared_unlock();
			return -LINUX_EINVAL; /* Linux: never connected, or listening */
		}
		size_t k = used(s) < ok ? used(s) : ok;
		bool some = used(s) != 0; /* a read of 0 bytes returns when there is data */
		/* Descriptions come with the first bytes of their write, and the read
		 * stops at the end of that write, as Linux's does. */
		bool stop = false;
		if (k && !peek && s->natt && s->att[0].pos - s->tail < k) {
			uint32_t end = s->att[0].pos + s->att[0].len - s->tail;
			k = end < k ? end : k;
			detach(s, &a->got);
			stop = true;
		}
		long end = 1;
		uint64_t seq = s->seq;
		if (k) {
			uio_move(a->u, done, s, peek ? (uint32_t)done : 0, k, false);
			if (!peek) {
				s->tail += (uint32_t)k;
				touch(s);
			}
		}
		if (!some && (!done || !s->err))
			end = recv_end(s); /* EOF, or the error, once the data is read */
		linux_shared_unlock();
		done += k, ok -= k;
		if (done && (done == a->n || !(a->flags & MSG_WAITALL) || peek || end <= 0 || stop))
			return (long)done;
		if (end <= 0 || (some && a->n == 0))
			return end <= 0 ? end : 0;
		/* Data that came after ok was reckoned (outside the lock) is not
		 * taken yet: the buffer is faulted in for it first.  Waiting on seq
		 * instead would wait for a change that has already happened. */
		if (k || some)
			continue;
		if (a->nonblock)
			return done ? (long)done : -LINUX_EAGAIN;
		long r = wait_change(s, seq, deadline);
		if (r < 0)
			return done ? (long)done : r;
	}
}

static long record_recv(struct usock *s, struct recv_args *a)
{
	uint64_t deadline = deadline_of(s->rcvtimeo);
	size_t ok = 0;
	for (;;) {
		linux_shared_lock();
		if (s->type == SOCK_SEQPACKET && s->state != S_CONN) {
			linux_shared_unlock();
			return -LINUX_ENOTCONN;
		}
		uint64_t seq = s->seq;
		long end = 1, got = -1;
		if (s->nrec) {
			struct rec_hdr h = rec_first(s);
			size_t k = h.len < a->n ? h.len : a->n;
			if (k > ok) { /* fault in the buffer first, outside the lock */
				linux_shared_unlock();
				if ((ok = uio_ok(a->u, k, true)) < k)
					return -LINUX_EFAULT;
				continue;
			}
			ring_out(s, REC_HDR, a->from, h.alen);
			a->fromlen = h.alen;
			uio_move(a->u, 0, s, REC_HDR + h.alen, k, false);
			if (h.len > k)
				a->msg_flags |= MSG_TRUNC;
			got = (a->flags & MSG_TRUNC) ? (long)h.len : (long)k;
			if (!(a->flags & MSG_PEEK)) {
				if (s->natt && s->att[0].pos == s->tail)
					detach(s, &a->got);
				s->tail += REC_HDR + h.alen + h.len;
				s->nrec--;
				touch(s);
			}
		} else {
			end = recv_end(s);
		}
		linux_shared_unlock();
		if (got >= 0)
			return got;
		if (end <= 0)
			return end;
		if (a->nonblock)
			return -LINUX_EAGAIN;
		long r = wait_change(s, seq, deadline);
		if (r < 0)
			return r;
	}
}

static long do_recv(struct ofile *of, struct recv_args *a)
{
	struct usock *s = sock_of(of);
	if (a->flags & MSG_OOB)
		return -LINUX_EOPNOTSUPP;
	long n = uio_total(a->u);
	if (n < 0)
		return n;
	a->n = (size_t)n;
	a->nonblock = (of->flags & LINUX_O_NONBLOCK) || (a->flags & MSG_DONTWAIT);
	a->fromlen = 0;
	a->msg_flags = 0;
	a->got.n = 0;
	long r = s->type == SOCK_STREAM ? stream_recv(s, a) : record_recv(s, a);
	if (a->got.n && !a->want_fds)
		snaps_drop(&a->got); /* read, recv: no room for them, so closed (Linux) */
	return r;
}

/* ---- the file layer's calls ---- */

long usock_read(const struct ofile *of, uint64_t dst, size_t n, bool user)
{
	struct uio u = {.one = {dst, n}, .user = user};
	struct recv_args a = {.u = &u};
	return do_recv((struct ofile *)of, &a);
}

long usock_write(const struct ofile *of, uint64_t src, size_t n, bool user)
{
	struct uio u = {.one = {src, n}, .user = user};
	return do_send((struct ofile *)of, &u, 0, NULL, NULL);
}

long usock_readv(const struct ofile *of, uint64_t uiov, long cnt)
{
	if (cnt < 0 || cnt > UIO_MAXIOV)
		return -LINUX_EINVAL;
	struct uio u = {.uiov = uiov, .cnt = cnt, .user = true};
	struct recv_args a = {.u = &u};
	return do_recv((struct ofile *)of, &a);
}

long usock_writev(const struct ofile *of, uint64_t uiov, long cnt)
{
	if (cnt < 0 || cnt > UIO_MAXIOV)
		return -LINUX_EINVAL;
	struct uio u = {.uiov = uiov, .cnt = cnt, .user = true};
	return do_send((struct ofile *)of, &u, 0, NULL, NULL);
}

/* Linux's unix_poll and unix_dgram_poll. */
static short events_locked(const struct ofile *of, short events)
{
	const struct usock *s = sock_of(of), *p = at(s->peer);
	short mask = 0;
	if (s->err)
		mask |= LINUX_POLLERR;
	if (s->shut == BOTH_SHUT)
		mask |= LINUX_POLLHUP;
	if (s->shut & RCV_SHUT)
		mask |= (short)(POLLRDHUP | LINUX_POLLIN | LINUX_POLLRDNORM);
	if (s->state == S_LISTEN ? s->qlen != 0 : used(s) != 0)
		mask |= LINUX_POLLIN | LINUX_POLLRDNORM;
	if (conn_oriented(s) && s->state == S_UNCONN)
		mask |= LINUX_POLLHUP;
	/* Writable while what we sent and the peer has not read is at most a
	 * quarter of the buffer (Linux: of sk_sndbuf), or with nowhere to send. */
	bool writable = s->state != S_LISTEN && (!p || used(p) * 4 <= SOCK_BUF);
	if (writable && p && s->type == SOCK_DGRAM && p->peer != idx(s) && p->nrec > DGRAM_QLEN)
		writable = false;
	if (writable)
		mask |= LINUX_POLLOUT | LINUX_POLLWRNORM;
	return (short)(mask & (events | LINUX_POLLERR | LINUX_POLLHUP));
}

/* Under the lock: all shared state is (the region is mapped lazily). */
short usock_events(const struct ofile *of, short events)
{
	linux_shared_lock();
	short r = events_locked(of, events);
	linux_shared_unlock();
	return r;
}

bool usock_term(const struct ofile *of, struct exo_pred_term *t)
{
	(void)of;
	*t = linux_pred_word(&table()->seq, EXO_PRED_NE, tbl->seq);
	return true;
}

int usock_nread(const struct ofile *of)
{
	const struct usock *s = sock_of(of);
	linux_shared_lock();
	int n = s->type == SOCK_STREAM ? (int)used(s) : s->nrec ? (int)rec_first(s).len : 0;
	linux_shared_unlock();
	return n;
}

void usock_stat(int index, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 0x08; /* sockfs: 0:8 */
	st->st_ino = 3000 + (uint64_t)index;
	st->st_mode = ROOTFS_S_IFSOCK | 0777;
	st->st_nlink = 1;
	st->st_uid = linux_opts.uid;
	st->st_gid = linux_opts.gid;
	st->st_blksize = 4096;
}

/* ---- the calls ---- */

/* The type argument's flags and kind, checked as Linux checks them; for
 * AF_UNIX only (other families: EAFNOSUPPORT). */
static long check_type(long domain, long type, long protocol, int *kind)
{
	if ((type & ~SOCK_TYPE_MASK) & ~(long)(LINUX_O_NONBLOCK | LINUX_O_CLOEXEC))
		return -LINUX_EINVAL;
	if ((int)domain < 0 || (int)domain >= NPROTO || (int)domain != AF_UNIX)
		return -LINUX_EAFNOSUPPORT;
	*kind = (int)(type & SOCK_TYPE_MASK);
	if (*kind >= SOCK_MAX || (int)type < 0)
		return -LINUX_EINVAL;
	if (protocol && protocol != AF_UNIX)
		return -LINUX_EPROTONOSUPPORT;
	if (*kind == SOCK_RAW)
		*kind = SOCK_DGRAM;
	if (*kind != SOCK_STREAM && *kind != SOCK_DGRAM && *kind != SOCK_SEQPACKET)
		return -LINUX_ESOCKTNOSUPPORT;
	return table() ? 0 : -LINUX_ENOMEM;
}

SYS(sys_socket)
{
	UNUSED6;
	int kind;
	long r = check_type(a1, a2, a3, &kind);
	if (r < 0)
		return r;
	uint8_t *buf = kind == SOCK_DGRAM ? buf_new() : NULL;
	if (kind == SOCK_DGRAM && !buf)
		return -LINUX_ENOMEM;
	linux_shared_lock();
	struct usock *s = sock_new(kind);
	if (s)
		s->buf = buf, buf = NULL;
	linux_shared_unlock();
	buf_free(buf);
	if (!s)
		return -LINUX_ENFILE;
	if ((r = sock_fd(s, a2)) < 0)
		sock_drop(s);
	return r;
}

SYS(sys_socketpair)
{
	UNUSED6;
	int kind, fds[2];
	long r = check_type(a1, a2, a3, &kind);
	if (r < 0)
		return r;
	fds[0] = (int)fd_lowest(0);
	fds[1] = fds[0] < 0 ? -1 : (int)fd_lowest(fds[0] + 1);
	if (fds[1] < 0)
		return -LINUX_EMFILE;
	if (!linux_user_ok((uint64_t)a4, sizeof(fds), true))
		return -LINUX_EFAULT;
	uint32_t fl = LINUX_O_RDWR | (uint32_t)(a2 & LINUX_O_NONBLOCK);
	struct ofile *o0 = of_alloc(K_SOCKET, -1, fl);
	struct ofile *o1 = o0 ? of_alloc(K_SOCKET, -1, fl) : NULL;
	uint8_t *b0 = o1 ? buf_new() : NULL, *b1 = b0 ? buf_new() : NULL;
	struct usock *s0 = NULL, *s1 = NULL;
	if (b1) {
		linux_shared_lock();
		if ((s0 = sock_new(kind)) && !(s1 = sock_new(kind)))
			s0->state = S_FREE;
		if (s1) {
			s0->buf = b0, s1->buf = b1, b0 = b1 = NULL;
			s0->peer = idx(s1), s1->peer = idx(s0);
			s0->state = s1->state = S_CONN;
			s0->cred = s1->cred = s0->peercred = s1->peercred = my_cred();
		}
		linux_shared_unlock();
	}
	long err = o1 && !b1 ? -LINUX_ENOMEM : -LINUX_ENFILE; /* if !s1 */
	buf_free(b0);
	buf_free(b1);
	if (!s1) {
		of_free(o0);
		of_free(o1);
		return err;
	}
	o0->dcur = idx(s0), o1->dcur = idx(s1);
	linux_copy_to_user((uint64_t)a4, fds, sizeof(fds));
	fd_new(o0, a2 & LINUX_O_CLOEXEC); /* fds[0] and fds[1]: the lowest free */
	fd_new(o1, a2 & LINUX_O_CLOEXEC);
	return 0;
}

SYS(sys_bind)
{
	UNUSED6;
	GETSOCK(a1);
	struct uname nm;
	long r;
	if (a3 == 2) { /* the family alone: an abstract name of Linux's choosing */
		uint16_t fam;
		if (linux_copy_from_user(&fam, (uint64_t)a2, 2) < 0)
			return -LINUX_EFAULT;
		if (fam != AF_UNIX)
			return -LINUX_EINVAL;
		linux_shared_lock();
		if (!s->alen) /* bound already: nothing to do, as on Linux */
			autobind(s);
		linux_shared_unlock();
		return 0;
	}
	if ((r = name_in(a2, a3, &nm)) < 0)
		return r;
	if (nm.abstract) {
		linux_shared_lock();
		r = s->alen                              ? -LINUX_EINVAL
		    : by_key(nm.key, nm.keylen, s->type) ? -LINUX_EADDRINUSE
		                                         : 0;
		if (!r)
			name_set(s, &nm);
		linux_shared_unlock();
		return r;
	}
	if ((r = bind_path(&nm, s)) < 0)
		return r;
	linux_shared_lock();
	/* A socket still holding this key lost its node (unlinked): the name is ours. */
	struct usock *old = by_key(nm.key, nm.keylen, 0);
	if (old)
		old->keylen = 0;
	name_set(s, &nm);
	linux_shared_unlock();
	return 0;
}

SYS(sys_listen)
{
	UNUSED6;
	GETSOCK(a1);
	long r = 0;
	if (!conn_oriented(s))
		return -LINUX_EOPNOTSUPP;
	linux_shared_lock();
	if ((s->state != S_UNCONN && s->state != S_LISTEN) || !s->alen)
		r = -LINUX_EINVAL;
	else {
		uint32_t backlog = (uint32_t)(int)a2;
		s->backlog = backlog > SOMAXCONN ? SOMAXCONN : backlog;
		s->state = S_LISTEN;
		s->cred = my_cred();
		touch(s); /* a connector waiting on a smaller backlog looks again */
	}
	linux_shared_unlock();
	return r;
}

/* A connection for listener l from c: the server's end, queued for accept.
 * Under the lock (released on the way out); e has its buffer. */
static void enqueue(struct usock *l, struct usock *c, struct usock *e)
{
	e->state = c->state = S_CONN;
	e->peer = idx(c), c->peer = idx(e);
	e->flags |= F_QUEUED;
	c->cred = my_cred();
	e->cred = l->cred;
	e->peercred = c->cred, c->peercred = l->cred;
	/* getsockname of the accepted socket: the listener's name; its peer: ours */
	e->alen = l->alen;
	memcpy(e->addr, l->addr, l->alen);
	e->palen = c->alen;
	memcpy(e->paddr, c->addr, c->alen);
	c->palen = l->alen;
	memcpy(c->paddr, l->addr, l->alen);
	e->refs = 0;
	e->next = -1;
	if (l->qtail >= 0)
		at(l->qtail)->next = idx(e);
	else
		l->qhead = idx(e);
	l->qtail = idx(e);
	l->qlen++;
	touch(l);
	touch(c);
}

static long stream_connect(struct ofile *of, struct usock *c, struct uname *nm)
{
	uint64_t deadline = deadline_of(c->sndtimeo);
	uint8_t *bc = buf_new(), *be = buf_new();
	long r = 0;
	for (;;) {
		struct usock *l, *e;
		if (!bc || !be) {
			r = -LINUX_ENOMEM;
			break;
		}
		/* In Linux's order: the listener, its queue, then our own state. */
		if ((r = lookup_locked(nm, c->type, &l)) < 0)
			break;
		if (l->state != S_LISTEN)
			r = -LINUX_ECONNREFUSED;
		else if (l->qlen > l->backlog) {
			uint64_t seq = l->seq;
			linux_shared_unlock();
			if ((of->flags & LINUX_O_NONBLOCK))
				r = -LINUX_EAGAIN;
			else if (!(r = wait_change(l, seq, deadline)))
				continue;
			break;
		} else if (c->state == S_CONN || c->state == S_LISTEN) {
			r = c->state == S_CONN ? -LINUX_EISCONN : -LINUX_EINVAL;
		} else if (!(e = sock_new(c->type))) {
			r = -LINUX_ENFILE;
		} else {
			if (!c->buf)
				c->buf = bc, bc = NULL;
			e->buf = be, be = NULL;
			enqueue(l, c, e);
		}
		linux_shared_unlock();
		break;
	}
	buf_free(bc);
	buf_free(be);
	return r;
}

/* A datagram socket's default peer (AF_UNSPEC: none). */
static long dgram_connect(struct usock *s, long uaddr, long len)
{
	struct uname nm;
	uint16_t fam;
	if (len >= 2 && linux_copy_from_user(&fam, (uint64_t)uaddr, 2) == 0 && fam == AF_UNSPEC) {
		linux_shared_lock();
		s->peer = -1;
		s->state = S_UNCONN;
		s->flags &= (uint8_t)~F_PEER_DEAD;
		touch(s);
		linux_shared_unlock();
		return 0;
	}
	struct usock *p;
	long r = name_in(uaddr, len, &nm);
	if (r < 0 || (r = lookup_locked(&nm, s->type, &p)) < 0)
		return r;
	if (p->peer >= 0 && p->peer != idx(s))
		r = -LINUX_EPERM;
	else {
		s->peer = idx(p);
		s->state = S_CONN;
		s->flags &= (uint8_t)~F_PEER_DEAD;
		s->palen = p->alen;
		memcpy(s->paddr, p->addr, p->alen);
		s->peercred = p->cred.pid ? p->cred : my_cred();
		touch(s);
	}
	linux_shared_unlock();
	return r;
}

SYS(sys_connect)
{
	UNUSED6;
	GETSOCK(a1);
	struct uname nm;
	if (!conn_oriented(s))
		return dgram_connect(s, a2, a3);
	long r = name_in(a2, a3, &nm);
	return r < 0 ? r : stream_connect(of, s, &nm);
}

static long do_accept(long fd, long uaddr, long ulen, long flags)
{
	GETSOCK(fd);
	int32_t have = 0;
	if (flags & ~(long)(LINUX_O_NONBLOCK | LINUX_O_CLOEXEC))
		return -LINUX_EINVAL;
	if (!conn_oriented(s))
		return -LINUX_EOPNOTSUPP;
	if (uaddr && (linux_copy_from_user(&have, (uint64_t)ulen, 4) < 0 ||
	              !linux_user_ok((uint64_t)ulen, 4, true)))
		return -LINUX_EFAULT;
	if (have < 0)
		return -LINUX_EINVAL;
	if (fd_lowest(0) < 0)
		return -LINUX_EMFILE;
	uint64_t deadline = deadline_of(s->rcvtimeo);
	for (;;) {
		linux_shared_lock();
		if (s->state != S_LISTEN) {
			linux_shared_unlock();
			return -LINUX_EINVAL;
		}
		struct usock *e = at(s->qhead);
		uint64_t seq = s->seq;
		if (e) {
			s->qhead = e->next;
			if (s->qhead < 0)
				s->qtail = -1;
			s->qlen--;
			e->flags &= (uint8_t)~F_QUEUED;
			e->refs = 1;
			touch(s);
		}
		linux_shared_unlock();
		if (e) {
			long nfd = sock_fd(e, flags);
			if (nfd < 0) {
				sock_drop(e);
				return nfd;
			}
			if (uaddr && name_out(uaddr, ulen, e->paddr, e->palen) < 0)
				return -LINUX_EFAULT; /* Linux loses the connection too */
			return nfd;
		}
		if (of->flags & LINUX_O_NONBLOCK)
			return -LINUX_EAGAIN;
		long r = wait_change(s, seq, deadline);
		if (r < 0)
			return r;
	}
}

SYS(sys_accept)
{
	UNUSED6;
	return do_accept(a1, a2, a3, 0);
}

SYS(sys_accept4)
{
	UNUSED6;
	return do_accept(a1, a2, a3, a4);
}

SYS(sys_getsockname)
{
	UNUSED6;
	GETSOCK(a1);
	uint8_t addr[ADDR_MAX];
	linux_shared_lock();
	uint16_t len = s->alen;
	memcpy(addr, s->addr, len);
	linux_shared_unlock();
	return name_out(a2, a3, addr, len);
}

SYS(sys_getpeername)
{
	UNUSED6;
	GETSOCK(a1);
	uint8_t addr[ADDR_MAX];
	linux_shared_lock();
	bool conn = s->state == S_CONN;
	const struct usock *p = at(s->peer);
	/* A datagram peer's name may have come since we connected. */
	uint16_t len = p && !conn_oriented(s) ? p->alen : s->palen;
	memcpy(addr, p && !conn_oriented(s) ? p->addr : s->paddr, len);
	linux_shared_unlock();
	return conn ? name_out(a2, a3, addr, len) : -LINUX_ENOTCONN;
}

SYS(sys_shutdown)
{
	UNUSED6;
	GETSOCK(a1);
	if (a2 < SHUT_RD || a2 > SHUT_RDWR)
		return -LINUX_EINVAL;
	uint8_t mode = (uint8_t)(a2 + 1); /* SHUT_RD 0 -> RCV_SHUT 1, ... */
	linux_shared_lock();
	s->shut |= mode;
	touch(s);
	struct usock *p = at(s->peer);
	if (p && conn_oriented(s)) {
		/* The peer may not send what we no longer read, and reads our EOF. */
		p->shut |= (uint8_t)((mode & RCV_SHUT ? SEND_SHUT : 0) |
		                     (mode & SEND_SHUT ? RCV_SHUT : 0));
		touch(p);
	}
	linux_shared_unlock();
	return 0;
}

/* A msghdr as the program has it (x86-64). */
struct linux_msghdr {
	uint64_t name;
	int32_t namelen, pad0;
	uint64_t iov, iovlen, control, controllen;
	int32_t flags, pad1;
};

static long send_to(struct ofile *of, const struct uio *u, long flags, long uaddr, long alen,
                    struct fdset *fds)
{
	struct uname nm;
	if (uaddr && alen) {
		long r = name_in(uaddr, alen, &nm);
		if (r < 0)
			return r;
	}
	if (fds)
		snaps_hold(fds);
	return do_send(of, u, (int)flags, uaddr && alen ? &nm : NULL, fds);
}

SYS(sys_sendto)
{
	UNUSED6;
	GETSOCK(a1);
	(void)s;
	struct uio u = {.one = {(uint64_t)a2, (uint64_t)a3}, .user = true};
	return send_to(of, &u, a4, a5, a6, NULL);
}

/* sendmsg's and recvmsg's header, copied in and its iovec count checked. */
static long msghdr_in(struct linux_msghdr *m, long uaddr)
{
	if (linux_copy_from_user(m, (uint64_t)uaddr, sizeof(*m)) < 0)
		return -LINUX_EFAULT;
	return m->iovlen > UIO_MAXIOV ? -LINUX_EMSGSIZE : 0;
}

SYS(sys_sendmsg)
{
	UNUSED6;
	GETSOCK(a1);
	(void)s;
	struct linux_msghdr m;
	long bad = msghdr_in(&m, a2);
	if (bad)
		return bad;
	struct fdset fds;
	long r = cmsg_in(m.control, m.controllen, &fds);
	if (r < 0)
		return r;
	struct uio u = {.uiov = m.iov, .cnt = (long)m.iovlen, .user = true};
	return send_to(of, &u, a3, (long)m.name, m.namelen, fds.n ? &fds : NULL);
}

/* recvfrom's and recvmsg's name: the sender's, for a datagram. */
static long from_out(struct ofile *of, const struct recv_args *a, long uaddr, long ulen)
{
	struct usock *s = sock_of(of);
	if (!uaddr || !ulen)
		return 0;
	/* A connected socket's name Linux leaves as it is but says its length is
	 * 0; an unnamed sender's length is 0 too (unlike getpeername's 2). */
	if (s->type == SOCK_STREAM || s->type == SOCK_SEQPACKET || !a->fromlen) {
		int32_t zero = 0;
		return linux_copy_to_user((uint64_t)ulen, &zero, 4);
	}
	return name_out(uaddr, ulen, a->from, a->fromlen);
}

SYS(sys_recvfrom)
{
	UNUSED6;
	GETSOCK(a1);
	(void)s;
	struct uio u = {.one = {(uint64_t)a2, (uint64_t)a3}, .user = true};
	struct recv_args a = {.u = &u, .flags = (int)a4};
	long r = do_recv(of, &a);
	if (r >= 0 && from_out(of, &a, a5, a6) < 0)
		return -LINUX_EFAULT;
	return r;
}

SYS(sys_recvmsg)
{
	UNUSED6;
	GETSOCK(a1);
	(void)s;
	struct linux_msghdr m;
	long bad = msghdr_in(&m, a2);
	if (bad)
		return bad;
	struct uio u = {.uiov = m.iov, .cnt = (long)m.iovlen, .user = true};
	struct recv_args a = {.u = &u, .flags = (int)a3, .want_fds = true};
	long r = do_recv(of, &a);
	if (r < 0)
		return r;
	long ctl = fds_out(&a.got, m.control, m.controllen, a3 & MSG_CMSG_CLOEXEC, &a.msg_flags);
	if (ctl < 0)
		return ctl;
	int32_t namelen = 0;
	if (m.name && s->type == SOCK_DGRAM && a.fromlen) { /* unnamed sender: 0 */
		size_t k = (size_t)m.namelen < a.fromlen ? (size_t)m.namelen : a.fromlen;
		if (linux_copy_to_user(m.name, a.from, k) < 0)
			return -LINUX_EFAULT;
		namelen = a.fromlen;
	}
	m.namelen = namelen;
	m.controllen = (uint64_t)ctl;
	m.flags = a.msg_flags;
	if (linux_copy_to_user((uint64_t)a2, &m, sizeof(m)) < 0)
		return -LINUX_EFAULT;
	return r;
}

/* ---- options ---- */

static long opt_int(long uval, long len, int *v)
{
	if (len < (long)sizeof(int))
		return -LINUX_EINVAL;
	return linux_copy_from_user(v, (uint64_t)uval, sizeof(*v)) < 0 ? -LINUX_EFAULT : 0;
}

static long set_timeo(uint64_t *t, long uval, long len)
{
	struct linux_timeval tv;
	if (len < (long)sizeof(tv))
		return -LINUX_EINVAL;
	if (linux_copy_from_user(&tv, (uint64_t)uval, sizeof(tv)) < 0)
		return -LINUX_EFAULT;
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -LINUX_EDOM;
	*t = tv.tv_sec < 0 ? 0 : (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
	return 0;
}

static uint32_t buf_size(int v, uint32_t floor)
{
	uint32_t x = (uint32_t)v < MAX_BUF ? (uint32_t)v : MAX_BUF;
	return x * 2 > floor ? x * 2 : floor;
}

SYS(sys_setsockopt)
{
	UNUSED6;
	GETSOCK(a1);
	int v = 0;
	long r;
	if (a2 != SOL_SOCKET)
		return -LINUX_EOPNOTSUPP;
	switch (a3) {
	case SO_RCVTIMEO:
		return set_timeo(&s->rcvtimeo, a4, a5);
	case SO_SNDTIMEO:
		return set_timeo(&s->sndtimeo, a4, a5);
	case SO_LINGER:
		if (a5 < 8)
			return -LINUX_EINVAL;
		return linux_copy_from_user(s->linger, (uint64_t)a4, 8) < 0 ? -LINUX_EFAULT : 0;
	}
	if ((r = opt_int(a4, a5, &v)) < 0)
		return r;
	switch (a3) {
	case SO_SNDBUF:
		s->sndbuf = buf_size(v, MIN_SNDBUF);
		return 0;
	case SO_RCVBUF:
		s->rcvbuf = buf_size(v, MIN_RCVBUF);
		return 0;
	case SO_DEBUG:
	case SO_REUSEADDR:
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_KEEPALIVE:
	case SO_OOBINLINE:
	case SO_PASSCRED: /* accepted; no credentials are ever delivered (no control messages) */
		s->opts = v ? s->opts | 1u << a3 : s->opts & ~(1u << a3);
		return 0;
	case SO_RCVLOWAT:
	case SO_SNDLOWAT:
		return 0;
	default:
		return -LINUX_ENOPROTOOPT;
	}
}

SYS(sys_getsockopt)
{
	UNUSED6;
	GETSOCK(a1);
	int32_t len;
	int v;
	union {
		int i;
		struct ucred cred;
		struct linux_timeval tv;
		int32_t linger[2];
	} out;
	size_t n = sizeof(int);
	if (a2 != SOL_SOCKET)
		return -LINUX_EOPNOTSUPP;
	if (linux_copy_from_user(&len, (uint64_t)a5, sizeof(len)) < 0)
		return -LINUX_EFAULT;
	if (len < 0)
		return -LINUX_EINVAL;
	switch (a3) {
	case SO_TYPE:
		v = s->type;
		break;
	case SO_DOMAIN:
		v = AF_UNIX;
		break;
	case SO_PROTOCOL:
		v = 0;
		break;
	case SO_ERROR:
		linux_shared_lock();
		v = s->err;
		s->err = 0;
		linux_shared_unlock();
		break;
	case SO_ACCEPTCONN:
		v = s->state == S_LISTEN;
		break;
	case SO_SNDBUF:
		v = (int)s->sndbuf;
		break;
	case SO_RCVBUF:
		v = (int)s->rcvbuf;
		break;
	case SO_RCVLOWAT:
	case SO_SNDLOWAT:
		v = 1;
		break;
	case SO_DEBUG:
	case SO_REUSEADDR:
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_KEEPALIVE:
	case SO_OOBINLINE:
	case SO_PASSCRED:
		v = (s->opts >> a3) & 1;
		break;
	case SO_PEERCRED:
		out.cred = s->peercred;
		n = sizeof(out.cred);
		goto copy;
	case SO_RCVTIMEO:
	case SO_SNDTIMEO: {
		uint64_t t = a3 == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo;
		out.tv = (struct linux_timeval){(long)(t / 1000000000u),
		                                (long)(t % 1000000000u / 1000)};
		n = sizeof(out.tv);
		goto copy;
	}
	case SO_LINGER:
		memcpy(out.linger, s->linger, sizeof(out.linger));
		n = sizeof(out.linger);
		goto copy;
	default:
		return -LINUX_ENOPROTOOPT;
	}
	out.i = v;
copy:
	n = (size_t)len < n ? (size_t)len : n;
	if (linux_copy_to_user((uint64_t)a4, &out, n) < 0)
		return -LINUX_EFAULT;
	len = (int32_t)n;
	return linux_copy_to_user((uint64_t)a5, &len, sizeof(len)) < 0 ? -LINUX_EFAULT : 0;
}

const struct linux_syscall_def linux_usock_syscalls[] = {
        LINUX_DEF(socket),     LINUX_DEF(socketpair),  LINUX_DEF(bind),
        LINUX_DEF(listen),     LINUX_DEF(accept),      LINUX_DEF(accept4),
        LINUX_DEF(connect),    LINUX_DEF(getsockname), LINUX_DEF(getpeername),
        LINUX_DEF(shutdown),   LINUX_DEF(sendto),      LINUX_DEF(sendmsg),
        LINUX_DEF(recvfrom),   LINUX_DEF(recvmsg),     LINUX_DEF(setsockopt),
        LINUX_DEF(getsockopt),
};

const size_t linux_usock_nsyscalls = ARRAY_LEN(linux_usock_syscalls);
