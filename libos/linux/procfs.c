/* /proc, as far as ps, free, df, uptime and top read it, and the per-process
 * files programs look at (exe, cwd, fd/, cmdline, maps, stat, status).
 *
 * The files are nodes of the tree tagged SP_GEN + what they show; reading one
 * generates its text again from the start and copies out the window asked
 * for, as Linux's seq_file does, so nothing is stored and nothing is stale.
 * /proc/self is a link to the process's own directory; fd/N and cwd are
 * Linux's "magic" links: following one reaches the open file itself (a pipe,
 * an unlinked file, the console), not a path (rootfs.h: fs->magic).  fd/ is
 * kept in step with the descriptor table: a lookup or listing under /proc
 * resyncs it when the table changed (fd_generation).
 *
 * The tree is shared by every process (vfs.h), so each process adds its own
 * /proc/<pid> (at start, and a fork child at its start) with its name in the
 * shared arena, and the parent that reaps it removes it (proc_forget).  What
 * a process's files say comes from that process's private state, so a reader
 * sees them only in its own directory; "self" points at a target that lives
 * at the same address in every process's ExOS data, so it names the reader.
 * The exceptions are another process's stat, status, cmdline and comm, which
 * come from its entry in the shared process table (proctab.c keeps its name
 * and arguments there), so ps lists every process of the VM. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "cpio.h"
#include "fs.h"
#include "linux.h"
#include "mm.h"
#include "proc.h"
#include "rootfs.h"
#include "unix_socket.h"
#include "vfs.h"

enum gen {
	GEN_MEMINFO,
	GEN_CPUINFO,
	GEN_MOUNTS,
	GEN_STAT,
	GEN_UPTIME,
	GEN_LOADAVG,
	GEN_VERSION,
	GEN_FILESYSTEMS,
	GEN_PID_STAT,
	GEN_PID_STATM,
	GEN_PID_STATUS,
	GEN_PID_CMDLINE,
	GEN_PID_ENVIRON,
	GEN_PID_COMM,
	GEN_PID_MAPS,
	GEN_COUNT
};

#define USER_HZ 100 /* the unit of Linux's clock-tick fields */

static char self_target[12]; /* /proc/self's target: our pid (see above) */
static int proc_dir = -1, pid_dir = -1, fd_dir = -1;
static int32_t fd_node[NFD]; /* fd/N's node, -1 if none */
static char fd_names[NFD][5];
static uint64_t synced = ~0ull;

/* ---- the sink: generated text, of which one window is copied out ------- */

struct sink {
	uint64_t dst, off; /* the reader's buffer and where in the file it starts */
	size_t n, done;    /* its room, and bytes copied into it */
	uint64_t pos;      /* bytes generated so far */
	bool user;
	long err;
};

static void put(struct sink *s, const char *p, size_t len)
{
	uint64_t end = s->pos + len;

	if (end > s->off && s->done < s->n && !s->err) {
		uint64_t from = s->pos > s->off ? 0 : s->off - s->pos;
		size_t k = (size_t)(len - from) < s->n - s->done ? (size_t)(len - from)
		                                                 : s->n - s->done;
		if (!mem_ok(s->dst + s->done, k, true, s->user))
			s->err = -LINUX_EFAULT;
		else
			memcpy((void *)(s->dst + s->done), p + from, k);
		s->done += k;
	}
	s->pos = end;
}

static void __attribute__((format(printf, 2, 3))) say(struct sink *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	put(s, line, n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* ---- what the files say ------------------------------------------------- */

static uint64_t uptime_cs(void) /* centiseconds since boot */
{
	return linux_monotonic_ns() / 10000000u;
}

static void gen_meminfo(struct sink *s)
{
	const volatile struct exo_kinfo *k = exo_kinfo();
	uint64_t total = k->ram_pages * 4, free = k->free_pages * 4;

	say(s, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n", total,
	    free, free);
	say(s, "Buffers:        %8lu kB\nCached:         %8lu kB\nSwapCached:     %8lu kB\n", 0ul,
	    0ul, 0ul);
	say(s, "Active:         %8lu kB\nInactive:       %8lu kB\n", total - free, 0ul);
	say(s, "SwapTotal:      %8lu kB\nSwapFree:       %8lu kB\nShmem:          %8lu kB\n", 0ul,
	    0ul, 0ul);
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid"
	                 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
	                 : "a"(leaf), "c"(0));
}

static void gen_cpuinfo(struct sink *s)
{
	uint32_t r[4], brand[13] = {0}, vendor[4] = {0};
	static const char *const edx_flags[32] = {
	        "fpu", "vme", "de",   "pse", "tsc",  "msr",  "pae",  "mce",   "cx8", "apic",
	        0,     "sep", "mtrr", "pge", "mca",  "cmov", "pat",  "pse36", 0,     "clflush",
	        0,     0,     0,      "mmx", "fxsr", "sse",  "sse2", 0,       "ht"};
	static const char *const ecx_flags[32] = {
	        "pni", "pclmulqdq", 0,       0,        0,        0,        0,        0,
	        0,     "ssse3",     0,       0,        "fma",    "cx16",   0,        0,
	        0,     "pcid",      0,       "sse4_1", "sse4_2", "x2apic", "movbe",  "popcnt",
	        0,     "aes",       "xsave", 0,        "avx",    "f16c",   "rdrand", "hypervisor"};

	cpuid(0, r);
	vendor[0] = r[1], vendor[1] = r[3], vendor[2] = r[2];
	cpuid(0x80000000u, r);
	if (r[0] >= 0x80000004u)
		for (uint32_t i = 0; i < 3; i++)
			cpuid(0x80000002u + i, brand + 4 * i);
	cpuid(1, r);
	uint32_t family = (r[0] >> 8 & 0xf) + (r[0] >> 20 & 0xff),
	         model = (r[0] >> 4 & 0xf) | (r[0] >> 12 & 0xf0);
	uint64_t khz = exo_kinfo()->tsc_khz;
	say(s, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n",
	    (const char *)vendor, family, model);
	say(s, "model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %lu.%03lu\n", (const char *)brand,
	    r[0] & 0xf, khz / 1000, khz % 1000);
	say(s, "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\nflags\t\t:");
	for (int i = 0; i < 32; i++)
		if (edx_flags[i] && (r[3] >> i & 1))
			say(s, " %s", edx_flags[i]);
	for (int i = 0; i < 32; i++)
		if (ecx_flags[i] && (r[2] >> i & 1))
			say(s, " %s", ecx_flags[i]);
	say(s, "\nbogomips\t: %lu.%02lu\n\n", khz / 500, khz / 5 % 100);
}

static void gen_mounts(struct sink *s)
{
	say(s,
	    "rootfs / rootfs ro 0 0\ndevtmpfs /dev devtmpfs rw 0 0\n"
	    "proc /proc proc rw,nosuid,nodev,noexec 0 0\ntmpfs /tmp tmpfs rw,nosuid,nodev 0 0\n");
}

/* Our CPU time in clock ticks (the kernel counts the timer ticks we ran). */
static uint64_t cpu_ticks(void)
{
	uint64_t tick_ns = exo_kinfo()->tick_ns ? exo_kinfo()->tick_ns : 5000000;
	return exos_env_info(exos_self_id())->cpu_ticks * tick_ns / (1000000000 / USER_HZ);
}

static void gen_stat(struct sink *s)
{
	uint64_t up = uptime_cs(), user = cpu_ticks(), idle = up > user ? up - user : 0;

	for (int i = 0; i < 2; i++)
		say(s, "cpu%s %lu 0 0 %lu 0 0 0 0 0 0\n", i ? "0" : " ", user, idle);
	say(s, "intr %lu\nctxt %lu\nbtime %lu\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n",
	    exo_kinfo()->ticks, exo_kinfo()->ticks, (exo_kinfo()->epoch_ns / 1000000000u));
}

static void gen_uptime(struct sink *s)
{
	uint64_t up = uptime_cs(), idle = up > cpu_ticks() ? up - cpu_ticks() : 0;

	say(s, "%lu.%02lu %lu.%02lu\n", up / 100, up % 100, idle / 100, idle % 100);
}

static void gen_loadavg(struct sink *s)
{
	say(s, "0.00 0.00 0.00 1/1 %ld\n", linux_pid());
}

static const char *comm(void)
{
	const char *p = linux_opts.program, *b = p;

	for (; *p; p++)
		if (*p == '/')
			b = p + 1;
	return b;
}

static uint64_t vm_pages(void)
{
	uint64_t n = 0;

	for (size_t i = 0; i < vmas.n; i++)
		n += (vmas.v[i].hi - vmas.v[i].lo) / EXO_PAGE_SIZE;
	return n;
}

static uint64_t rss_pages(void)
{
	uint64_t n = 0;

	for (size_t i = 0; i < vmas.n; i++)
		n += count_present(vmas.v[i].lo, vmas.v[i].hi);
	return n;
}

static void gen_pid_stat(struct sink *s)
{
	uint64_t t = cpu_ticks(), pid = (uint64_t)linux_pid();

	/* Fields 1-52 of proc(5); what ExOS does not track is 0. */
	say(s, "%lu (%.15s) R %ld %lu %lu 0 -1 4194304 0 0 0 0 %lu 0 0 0 20 0 1 0 0 %lu %lu ", pid,
	    comm(), linux_ppid(), pid, pid, t, vm_pages() * EXO_PAGE_SIZE, rss_pages());
	say(s, "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
}

static void gen_pid_statm(struct sink *s)
{
	say(s, "%lu %lu 0 0 0 %lu 0\n", vm_pages(), rss_pages(), vm_pages());
}

static void gen_pid_status(struct sink *s)
{
	uint32_t u = linux_opts.uid, g = linux_opts.gid;

	say(s, "Name:\t%.15s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t%ld\nNgid:\t0\n", comm(),
	    linux_umask(), linux_pid());
	say(s, "Pid:\t%ld\nPPid:\t%ld\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
	    linux_pid(), linux_ppid(), u, u, u, u, g, g, g, g);
	say(s, "FDSize:\t%d\nGroups:\t", NFD);
	for (uint32_t i = 0; i < linux_opts.ngroups; i++)
		say(s, "%u ", linux_opts.groups[i]);
	say(s, "\nVmSize:\t%8lu kB\nVmRSS:\t%8lu kB\nThreads:\t1\n", vm_pages() * 4,
	    rss_pages() * 4);
	say(s, "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n");
	say(s, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\n");
}

/* NUL-separated strings from the initramfs (exosim/argv, exosim/envp). */
static void gen_strings(struct sink *s, const char *file)
{
	struct cpio_entry e;
	const struct exo_kinfo *k = exo_kinfo();

	if (k->initrd_size &&
	    cpio_find((const void *)EXO_INITRD, k->initrd_size, file, &e) == CPIO_OK)
		put(s, (const char *)e.data, e.size);
}

static void gen_pid_maps(struct sink *s)
{
	for (size_t i = 0; i < vmas.n; i++) {
		const struct vma *v = &vmas.v[i];
		bool heap = v->lo == brk_base && brk_base;

		say(s, "%08lx-%08lx %c%c%c%c 00000000 00:00 0%s\n", v->lo, v->hi,
		    v->prot & LINUX_PROT_READ ? 'r' : '-', v->prot & LINUX_PROT_WRITE ? 'w' : '-',
		    v->prot & LINUX_PROT_EXEC ? 'x' : '-', v->flags & VMA_SHARED ? 's' : 'p',
		    v->flags & VMA_STACK ? "                          [stack]"
		    : heap               ? "                          [heap]"
		                         : "");
	}
}

/* Our own cmdline: what the process table keeps (execve updates it), or,
 * before there is one, the first program's from the initramfs. */
static void gen_own_cmdline(struct sink *s)
{
	const struct proc *self = linux_proc_self();

	if (self)
		put(s, self->cmdline, self->cmdline_len);
	else
		gen_strings(s, "exosim/argv");
}

static void generate(enum gen g, struct sink *s)
{
	switch (g) {
	case GEN_MEMINFO:
		gen_meminfo(s);
		break;
	case GEN_CPUINFO:
		gen_cpuinfo(s);
		break;
	case GEN_MOUNTS:
		gen_mounts(s);
		break;
	case GEN_STAT:
		gen_stat(s);
		break;
	case GEN_UPTIME:
		gen_uptime(s);
		break;
	case GEN_LOADAVG:
		gen_loadavg(s);
		break;
	case GEN_VERSION:
		say(s, "Linux version 6.1.0-exosim (exosim) #1 SMP ExOS\n");
		break;
	case GEN_FILESYSTEMS:
		say(s, "nodev\tproc\nnodev\ttmpfs\nnodev\tdevtmpfs\n\tramfs\n");
		break;
	case GEN_PID_STAT:
		gen_pid_stat(s);
		break;
	case GEN_PID_STATM:
		gen_pid_statm(s);
		break;
	case GEN_PID_STATUS:
		gen_pid_status(s);
		break;
	case GEN_PID_CMDLINE:
		gen_own_cmdline(s);
		break;
	case GEN_PID_ENVIRON:
		gen_strings(s, "exosim/envp");
		break;
	case GEN_PID_COMM:
		say(s, "%.15s\n", comm());
		break;
	case GEN_PID_MAPS:
		gen_pid_maps(s);
		break;
	default:
		break;
	}
}

/* ---- another process's files, from the process table ---- */

static char state_of(const struct proc *p)
{
	if (p->state == PROC_ZOMBIE)
		return 'Z';
	if (p->stopped)
		return 'T';
	return exos_env_info(p->env_id)->state == EXO_ENV_RUNNABLE ? 'R' : 'S';
}

static uint64_t ticks_of(const struct proc *p)
{
	uint64_t tick_ns = exo_kinfo()->tick_ns ? exo_kinfo()->tick_ns : 5000000;
	const volatile struct exo_env_info *e = exos_env_info(p->env_id);
	return e->id == p->env_id ? e->cpu_ticks * tick_ns / (1000000000 / USER_HZ) : 0;
}

/* What the process table says of the process whose /proc directory holds
 * node: -LINUX_ESRCH for what only the process itself knows (maps, fd/...),
 * or if it is gone. */
static long gen_other(enum gen g, int node, struct sink *s)
{
	const struct rootfs_node *d = &root.node[root.node[node].parent];
	uint32_t pid = 0, u = linux_opts.uid, gid = linux_opts.gid;

	for (uint32_t i = 0; i < d->namelen && d->name[i] >= '0' && d->name[i] <= '9'; i++)
		pid = pid * 10 + (uint32_t)(d->name[i] - '0');
	const struct proc *p = linux_proc_by_pid(pid);
	if (!p || p->state == PROC_EMBRYO)
		return -LINUX_ESRCH;
	switch (g) {
	case GEN_PID_STAT:
		say(s, "%u (%.15s) %c %u %u %u 0 -1 4194304 0 0 0 0 %lu 0 0 0 20 0 1 0 0 0 0 ",
		    p->pid, p->comm, state_of(p), p->ppid, p->pgid, p->sid, ticks_of(p));
		say(s, "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 "
		       "0\n");
		return 0;
	case GEN_PID_STATUS:
		say(s, "Name:\t%.15s\nState:\t%c\nTgid:\t%u\nNgid:\t0\nPid:\t%u\nPPid:\t%u\n",
		    p->comm, state_of(p), p->pid, p->pid, p->ppid);
		say(s, "TracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nThreads:\t1\n",
		    u, u, u, u, gid, gid, gid, gid);
		return 0;
	case GEN_PID_CMDLINE:
		put(s, p->cmdline, p->cmdline_len);
		return 0;
	case GEN_PID_COMM:
		say(s, "%.15s\n", p->comm);
		return 0;
	default:
		return -LINUX_ESRCH; /* another process's: its state is its own */
	}
}

/* Whether node lies in our own /proc/<pid>: its files show our state. */
static bool own(int node)
{
	int d = root.node[node].parent;

	return d >= 0 && pid_dir >= 0 && (d == pid_dir || root.node[d].parent == pid_dir);
}

long proc_read(const struct ofile *of, uint64_t dst, size_t n, uint64_t *off, bool user)
{
	struct sink s = {.dst = dst, .off = *off, .n = n, .user = user};

	enum gen g = (enum gen)(root.node[of->node].special - SP_GEN);

	if (g >= GEN_PID_STAT && !own(of->node)) {
		long r = gen_other(g, of->node, &s);
		if (r < 0)
			return r;
	} else {
		generate(g, &s);
	}
	if (s.err)
		return s.err;
	*off += s.done;
	return (long)s.done;
}

/* ---- the nodes ----------------------------------------------------------- */

/* Following fd/N or cwd: the file itself where it has a node; otherwise the
 * link stands for what it names (open_special and stat see through it). */
static int magic_link(const struct rootfs *fs, int link)
{
	uint32_t sp = fs->node[link].special;

	if (!own(link))
		return -LINUX_ENOENT;
	if (sp == SP_CWD)
		return cwd;
	if (sp == SP_EXE)
		return rootfs_resolve(fs, ROOTFS_ROOT, linux_opts.program, 0, NULL);
	if (sp >= SP_FD && sp < SP_FD + NFD) {
		const struct ofile *of = getf(sp - SP_FD);
		if (!of)
			return -LINUX_ENOENT;
		return of->node >= 0 && of->kind != K_CONSOLE ? of->node : link;
	}
	return -LINUX_ENOENT;
}

/* The ofile behind fd/N, for open and stat, or NULL. */
const struct ofile *proc_fd_file(int node)
{
	uint32_t sp = root.node[node].special;

	return sp >= SP_FD && sp < SP_FD + NFD && own(node) ? getf(sp - SP_FD) : NULL;
}

/* A node of /proc, or -1 when the tree is full. */
static int try_add(int dir, const char *name, size_t namelen, uint32_t mode, uint32_t special,
                   const void *data, size_t size)
{
	/* The tree keeps the name pointer: a name in the shared arena or in
	 * ExOS's image, the same in every process. */
	int n = rootfs_create(&root, dir, name, namelen, mode);

	if (n < 0)
		return -1;
	root.node[n].mtime = (uint32_t)(linux_realtime_ns() / 1000000000u);
	root.node[n].special = special;
	root.node[n].data = data;
	root.node[n].size = size;
	root.node[n].uid = linux_opts.uid;
	root.node[n].gid = linux_opts.gid;
	return n;
}

static int add(int dir, const char *name, uint32_t mode, uint32_t special, const void *data,
               size_t size)
{
	int n = try_add(dir, name, strlen(name), mode, special, data, size);

	if (n < 0) /* PROC_NODES leaves room for all of /proc and every fd */
		linux_refuse(EXOSIM_EXIT_NOMEM, "exos: no room for /proc in the tree\n");
	return n;
}

/* Removes dir and what is below it from the tree; nodes still open go at
 * their last close (tmp_closed). */
static void remove_tree(int dir)
{
	while (root.node[dir].first_child >= 0)
		remove_tree(root.node[dir].first_child);
	rootfs_detach(&root, dir);
	tmp_closed(dir);
}

static const struct {
	const char *name;
	int gen;
} per_pid[] = {{"stat", GEN_PID_STAT},       {"statm", GEN_PID_STATM},
               {"status", GEN_PID_STATUS},   {"cmdline", GEN_PID_CMDLINE},
               {"environ", GEN_PID_ENVIRON}, {"comm", GEN_PID_COMM},
               {"maps", GEN_PID_MAPS}};

/* Our /proc/<pid>, named in the shared arena (other processes list it). */
static bool add_pid_dir(void)
{
	char name[12];
	size_t n = (size_t)snprintf(name, sizeof(name), "%ld", linux_pid());
	char *shared_name = tmp_name(name, n);

	memcpy(self_target, name, n + 1);
	pid_dir = fd_dir = -1;
	for (int fd = 0; fd < NFD; fd++)
		fd_node[fd] = -1;
	synced = ~0ull;
	if (!shared_name)
		return false;
	pid_dir = try_add(proc_dir, shared_name, n, ROOTFS_S_IFDIR | 0555, 0, NULL, 0);
	if (pid_dir < 0) {
		tmp_name_free(shared_name, n);
		return false;
	}
	root.node[pid_dir].flags |= ROOTFS_F_OWN_NAME; /* freed with the node */
	bool ok = true;
	for (size_t i = 0; i < ARRAY_LEN(per_pid); i++)
		ok &= try_add(pid_dir, per_pid[i].name, strlen(per_pid[i].name),
		              ROOTFS_S_IFREG | 0444, SP_GEN + (uint32_t)per_pid[i].gen, NULL,
		              0) >= 0;
	ok &= try_add(pid_dir, "exe", strlen("exe"), ROOTFS_S_IFLNK | 0777, SP_EXE, NULL, 64) >= 0;
	ok &= try_add(pid_dir, "cwd", strlen("cwd"), ROOTFS_S_IFLNK | 0777, SP_CWD, NULL, 64) >= 0;
	ok &= try_add(pid_dir, "mounts", strlen("mounts"), ROOTFS_S_IFLNK | 0777, 0, "../mounts",
	              9) >= 0;
	ok &= (fd_dir = try_add(pid_dir, "fd", strlen("fd"), ROOTFS_S_IFDIR | 0500, 0, NULL, 0)) >=
	      0;
	if (!ok) {
		remove_tree(pid_dir);
		pid_dir = fd_dir = -1;
	}
	return ok;
}

void proc_after_fork(void)
{
	fs_lock();
	bool ok = add_pid_dir();
	fs_unlock();
	if (!ok)
		fprintf(stderr, "exos: pid %ld: no room in the file tree for /proc/%ld\n",
		        linux_pid(), linux_pid());
}

void proc_forget(long pid)
{
	char name[12];
	size_t n = (size_t)snprintf(name, sizeof(name), "%ld", pid);

	if (proc_dir < 0)
		return;
	fs_lock();
	int dir = rootfs_lookup(&root, proc_dir, name, n);
	if (dir >= 0)
		remove_tree(dir);
	fs_unlock();
}

void proc_add_nodes(void)
{
	static const struct {
		const char *name;
		enum gen gen;
	} top[] = {{"meminfo", GEN_MEMINFO}, {"cpuinfo", GEN_CPUINFO},
	           {"mounts", GEN_MOUNTS},   {"stat", GEN_STAT},
	           {"uptime", GEN_UPTIME},   {"loadavg", GEN_LOADAVG},
	           {"version", GEN_VERSION}, {"filesystems", GEN_FILESYSTEMS}};

	proc_dir = rootfs_add(&root, "/proc", 5, ROOTFS_S_IFDIR | 0555, NULL, 0);
	if (proc_dir < 0)
		linux_refuse(EXOSIM_EXIT_NOMEM, "exos: no room for /proc in the tree\n");
	root.magic = magic_link;
	for (size_t i = 0; i < ARRAY_LEN(top); i++)
		add(proc_dir, top[i].name, ROOTFS_S_IFREG | 0444, SP_GEN + top[i].gen, NULL, 0);
	add(proc_dir, "self", ROOTFS_S_IFLNK | 0777, 0, self_target, ROOTFS_CSTR);
	for (int fd = 0; fd < NFD; fd++)
		snprintf(fd_names[fd], sizeof(fd_names[fd]), "%d", fd);
	if (!add_pid_dir())
		linux_refuse(EXOSIM_EXIT_NOMEM, "exos: no room for /proc in the tree\n");
}

void proc_sync(void)
{
	if (synced == fd_generation || fd_dir < 0)
		return;
	synced = fd_generation;
	fs_lock();
	for (int fd = 0; fd < NFD; fd++) {
		const struct ofile *of = getf(fd);
		if (of && fd_node[fd] < 0)
			fd_node[fd] = try_add(fd_dir, fd_names[fd], strlen(fd_names[fd]),
			                      ROOTFS_S_IFLNK, SP_FD + (uint32_t)fd, NULL, 64);
		if (of && fd_node[fd] >= 0) /* as Linux: lr-x, l-wx or lrwx by access mode */
			root.node[fd_node[fd]].mode = ROOTFS_S_IFLNK |
			                              (readable(of) ? 0500 : 0100) |
			                              (writable(of) ? 0200 : 0);
		if (!of && fd_node[fd] >= 0) {
			rootfs_detach(&root, fd_node[fd]);
			tmp_closed(fd_node[fd]);
			fd_node[fd] = -1;
		}
	}
	fs_unlock();
}

/* readlink of a magic link: what Linux shows. */
long proc_link_text(int node, char *buf, size_t cap)
{
	uint32_t sp = root.node[node].special;
	const struct ofile *of;

	if (!own(node))
		return -LINUX_ENOENT;
	if (sp == SP_CWD)
		return (long)rootfs_path(&root, cwd, buf, cap);
	if (sp == SP_EXE)
		return snprintf(buf, cap, "%s", linux_opts.program);
	if (!(of = proc_fd_file(node)))
		return -LINUX_ENOENT;
	switch (of->kind) {
	case K_PIPE:
		return snprintf(buf, cap, "pipe:[%u]", 2000 + of->stream);
	case K_SOCKET: /* the inode number fstat reports (unix_socket.c) */
		return snprintf(buf, cap, "socket:[%d]", 3000 + of->dcur);
	case K_CONSOLE:
		return snprintf(buf, cap, "%s",
		                linux_opts.isatty[of->stream] ? "/dev/pts/0" : "pipe:[1000]");
	default:
		if (of->node < 0)
			return snprintf(buf, cap, "anon_inode:[%d]", of->kind);
		if (root.node[of->node].parent < 0) /* unlinked: its directory is gone too */
			return snprintf(buf, cap, "/%.*s (deleted)",
			                (int)root.node[of->node].namelen, root.node[of->node].name);
		return (long)rootfs_path(&root, of->node, buf, cap);
	}
}
