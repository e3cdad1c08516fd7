/* execve: the process keeps its environment, pid, descriptors (but the
 * close-on-exec ones), cwd, umask, ignored signals and mask; ExOS unmaps the
 * old program (every region, its syscall stubs and text aliases) and loads
 * the new one in place, as main.c loads the first.  An in-place rebuild
 * rather than a new environment that takes over the pid: the pid stays one
 * environment, and nothing of ExOS needs copying.
 *
 * Everything that can fail is checked before the old program goes: a
 * missing file (ENOENT), one without an execute bit or not regular (EACCES),
 * one that is not a static x86-64 ELF (ENOEXEC: dynamic, 32-bit, garbage)
 * leaves the caller running.  `#!` scripts run their interpreter from the
 * tree with the script's path as an argument, as Linux does. */
#include <string.h>

#include <exos/auxv.h>
#include <exos/sys.h>

#include "elf64.h"
#include "proc.h"

#define ARG_BYTES   (256ul << 10) /* Linux's MAX_ARG_STRLEN * 2, about */
#define MAX_ARGS    8192
#define SHEBANG_MAX 256
#define EXOS_LOW    0x400000ul /* ExOS lives below (main.c) */

struct args {
	char *buf; /* ARG_BYTES in the shared region: strings, then the vectors */
	size_t used;
	uint32_t argc, envc;
	uint32_t off[MAX_ARGS]; /* argc argument offsets, then envc environment ones */
};

static long add_str(struct args *a, const char *s, size_t n)
{
	if (a->argc + a->envc >= MAX_ARGS || a->used + n + 1 > ARG_BYTES)
		return -LINUX_E2BIG;
	a->off[a->argc + a->envc] = (uint32_t)a->used;
	memcpy(a->buf + a->used, s, n);
	a->buf[a->used + n] = 0;
	a->used += n + 1;
	a->argc++;
	return 0;
}

static void copy_path(char *dst, const char *src)
{
	size_t n = strlen(src);
	if (n > INITRAMFS_PATH_MAX)
		n = INITRAMFS_PATH_MAX;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Copies a NULL-terminated vector of user strings (uvec may be 0: empty). */
static long add_vec(struct args *a, uint64_t uvec, bool env, int skip)
{
	for (int i = 0; uvec; i++) {
		uint64_t p;
		if (linux_copy_from_user(&p, uvec + (uint64_t)i * 8, 8))
			return -LINUX_EFAULT;
		if (!p)
			return 0;
		if (a->argc + a->envc >= MAX_ARGS)
			return -LINUX_E2BIG;
		long n = linux_strncpy_from_user(a->buf + a->used, p, ARG_BYTES - a->used);
		if (n < 0)
			return n == -LINUX_ENAMETOOLONG ? -LINUX_E2BIG : n;
		if (i < skip)
			continue;
		a->off[a->argc + a->envc] = (uint32_t)a->used;
		a->used += (size_t)n + 1;
		if (env)
			a->envc++;
		else
			a->argc++;
	}
	return 0;
}

/* A `#!` line: the interpreter and its one optional argument. */
static long shebang(const char *data, size_t size, char *interp, char **arg)
{
	size_t n = size < SHEBANG_MAX ? size : SHEBANG_MAX;
	const char *nl = memchr(data, '\n', n);
	if (!nl && size > SHEBANG_MAX)
		return -LINUX_ENOEXEC;
	size_t len = (size_t)((nl ? nl : data + n) - data) - 2;
	memcpy(interp, data + 2, len);
	interp[len] = 0;
	char *p = interp;
	while (*p == ' ' || *p == '\t')
		p++;
	memmove(interp, p, strlen(p) + 1);
	p = interp;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	*arg = NULL;
	if (*p) {
		*p++ = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		char *end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = 0;
		if (*p)
			*arg = p;
	}
	return interp[0] ? 0 : -LINUX_ENOEXEC;
}

static long open_elf(const char *path, struct elf64_image *img, const void **data, size_t *size)
{
	long r = linux_fs_exec_file(path, data, size);
	if (r < 0)
		return r;
	if (elf64_parse(*data, *size, LINUX_PIE_BASE, LINUX_MMAP_TOP, img) || img->lo < EXOS_LOW)
		return -LINUX_ENOEXEC;
	return 0;
}

static uint32_t cpuid_edx1(void)
{
	uint32_t a = 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d;
}

void linux_auxv(uint64_t aux[LINUX_AUXV_N][2], const struct elf64_image *img, uint64_t platform,
                uint64_t random, uint64_t execfn)
{
	const uint64_t v[LINUX_AUXV_N][2] = {
	        {ELF64_AT_PHDR, img->phdr_vaddr},
	        {ELF64_AT_PHENT, img->phentsize},
	        {ELF64_AT_PHNUM, img->phnum},
	        {ELF64_AT_PAGESZ, EXO_PAGE_SIZE},
	        {ELF64_AT_BASE, 0},
	        {ELF64_AT_FLAGS, 0},
	        {ELF64_AT_ENTRY, img->entry},
	        {ELF64_AT_UID, linux_opts.uid},
	        {ELF64_AT_EUID, linux_opts.uid},
	        {ELF64_AT_GID, linux_opts.gid},
	        {ELF64_AT_EGID, linux_opts.gid},
	        {ELF64_AT_PLATFORM, platform},
	        {ELF64_AT_HWCAP, cpuid_edx1()},
	        {ELF64_AT_CLKTCK, 100},
	        {ELF64_AT_SECURE, 0},
	        {ELF64_AT_RANDOM, random},
	        {ELF64_AT_HWCAP2, 0},
	        {ELF64_AT_EXECFN, execfn},
	        {EXOS_AT_KINFO, EXO_KINFO},
	        {ELF64_AT_NULL, 0},
	};
	memcpy(aux, v, sizeof(v));
}

/* The new program's stack as main.c builds the first's (System V ABI). */
static long build_stack(const struct elf64_image *img, const struct args *a, uint64_t *spp)
{
	size_t execfn_len = strlen(linux_opts.program) + 1;
	size_t vec_words = 1 + a->argc + 1 + a->envc + 1;
	size_t initial = (128ul << 10) + a->used + execfn_len + 8 * vec_words + 512;
	if (linux_mm_stack(LINUX_STACK_TOP, LINUX_STACK_MAX, initial) < 0)
		return -LINUX_ENOMEM;
	uint64_t sp = LINUX_STACK_TOP;
	sp -= execfn_len;
	uint64_t execfn = sp;
	memcpy((void *)sp, linux_opts.program, execfn_len);
	sp -= a->used;
	char *strs = (char *)sp;
	memcpy(strs, a->buf, a->used);
	sp -= 7;
	uint64_t platform = sp;
	memcpy((void *)sp, "x86_64", 7);
	uint64_t seed[2] = {exo_rdtsc() * 0x9e3779b97f4a7c15ul, exo_rdtsc() ^ 0xbf58476d1ce4e5b9ul};
	sp -= sizeof(seed);
	uint64_t random = sp;
	memcpy((void *)sp, seed, sizeof(seed));
	uint64_t aux[LINUX_AUXV_N][2];
	linux_auxv(aux, img, platform, random, execfn);
	sp = (sp - (vec_words + 2 * ARRAY_LEN(aux)) * 8) & ~15ul;
	uint64_t *v = (uint64_t *)sp;
	*v++ = a->argc;
	for (uint32_t i = 0; i < a->argc; i++)
		*v++ = (uint64_t)(strs + a->off[i]);
	*v++ = 0;
	for (uint32_t i = 0; i < a->envc; i++)
		*v++ = (uint64_t)(strs + a->off[a->argc + i]);
	*v++ = 0;
	memcpy(v, aux, sizeof(aux));
	*spp = sp;
	return 0;
}

/* Past the point of no return: the old program goes, the new one comes. */
static void replace(const struct elf64_image *img, const void *data, size_t size,
                    const struct args *a, const char *path)
{
	linux_fd_close_cloexec();
	linux_signal_exec();
	linux_mm_exec();
	linux_rewrite_reset();
	copy_path(linux_opts.program, path);
	linux_proc_set_cmdline(path, a->buf, a->envc ? a->off[a->argc] : a->used);
	linux_mm_init(img->hi);
	linux_rewrite_init(img);
	linux_load_image(img, data, size);
	uint64_t sp;
	if (build_stack(img, a, &sp) < 0)
		linux_exit_signaled(LINUX_SIGKILL); /* as Linux, when memory runs out here */
	linux_set_tid_address(0);
	/* A fresh FPU, as after execve. */
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
	struct linux_ctx *c = linux_cur_ctx;
	memset(c, 0, sizeof(*c));
	c->rip = img->entry;
	c->rsp = sp;
	c->rflags = 0x202;
}

static long do_exec(uint64_t upath, uint64_t uargv, uint64_t uenvp)
{
	static char path[INITRAMFS_PATH_MAX + 1], interp[SHEBANG_MAX + 1];
	long r = linux_strncpy_from_user(path, upath, sizeof(path));
	if (r < 0)
		return r;
	if (!path[0])
		return -LINUX_ENOENT;
	struct args *a = exos_shared_alloc(sizeof(struct args) + ARG_BYTES);
	if (!a)
		return -LINUX_ENOMEM;
	a->buf = (char *)(a + 1);
	struct elf64_image img;
	const void *data;
	size_t size;
	r = linux_fs_exec_file(path, &data, &size);
	if (r == 0 && size >= 2 && !memcmp(data, "#!", 2)) {
		char *arg;
		if ((r = shebang(data, size, interp, &arg)) == 0 &&
		    (r = add_str(a, interp, strlen(interp))) == 0 &&
		    (!arg || (r = add_str(a, arg, strlen(arg))) == 0) &&
		    (r = add_str(a, path, strlen(path))) == 0) {
			r = add_vec(a, uargv, false, 1);
		}
		if (r == 0) {
			r = open_elf(interp, &img, &data, &size);
			copy_path(path, interp);
		}
	} else if (r == 0) {
		r = open_elf(path, &img, &data, &size);
		if (r == 0)
			r = add_vec(a, uargv, false, 0);
	}
	if (r == 0)
		r = add_vec(a, uenvp, true, 0);
	if (r == 0)
		replace(&img, data, size, a, path);
	exos_shared_free(a, sizeof(struct args) + ARG_BYTES);
	return r;
}

SYS(sys_execve)
{
	UNUSED6;
	return do_exec((uint64_t)a1, (uint64_t)a2, (uint64_t)a3);
}

const struct linux_syscall_def linux_exec_syscalls[] = {
        LINUX_DEF(execve),
};
const size_t linux_exec_nsyscalls = ARRAY_LEN(linux_exec_syscalls);
