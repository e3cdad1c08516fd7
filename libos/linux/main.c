/* ExOS's Linux personality: the first environment when exosim runs a Linux
 * program.  It reads its settings, loads the program from the initramfs into
 * its own address space (load.c), builds the Linux initial stack and jumps to the
 * program's entry point.  From then on ExOS runs only when the program makes a
 * system call or takes an exception (see linux.h for the modules). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exos/args.h>
#include <exos/auxv.h>
#include <exos/exception.h>
#include <exos/vm.h>

#include <hw/initramfs.h>

#include "cpio.h"
#include "elf64.h"
#include "escape.h"
#include "linux.h"
#include "thread.h"

/* Where ExOS itself is linked (CMakeLists.txt): programs must stay above. */
#define EXOS_IMAGE_END 0x400000ul

/* The stack's initially mapped part beyond argv and envp: room for the
 * program's first frames; the rest of LINUX_STACK_MAX faults in. */
#define STACK_INITIAL (128ul << 10)

_Noreturn static void die(int status, const char *fmt, const char *a, const char *b)
{
	/* a is often the program's path, which comes from the archive. */
	char shown[ESCAPE_SIZE(sizeof(linux_opts.program))];
	linux_refuse(status, fmt, escape_str(shown, sizeof(shown), a), b);
}

/* The initramfs entry at path, or NULL. */
static const struct cpio_entry *initrd_file(const char *path, struct cpio_entry *e)
{
	const struct exo_kinfo *k = exo_kinfo();
	if (!k->initrd_size)
		return NULL;
	return cpio_find((const void *)EXO_INITRD, k->initrd_size, path, e) == CPIO_OK ? e : NULL;
}

static bool key_is(const char *k, size_t klen, const char *name)
{
	return klen == strlen(name) && !memcmp(k, name, klen);
}

/* groups=A,B,...: exosim's supplementary groups.  exosim passes at most
 * LINUX_NGROUPS_MAX; more, or a malformed list, is refused. */
static void read_groups(const char *v, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint64_t g = 0;
		size_t start = i;
		while (i < n && v[i] >= '0' && v[i] <= '9' && g <= UINT32_MAX)
			g = g * 10 + (uint64_t)(v[i++] - '0');
		if (i == start || g > UINT32_MAX || (i < n && v[i] != ',') ||
		    linux_opts.ngroups == LINUX_NGROUPS_MAX)
			die(EXOSIM_EXIT_USAGE, "exos: %s%s\n", "bad groups= in exosim/exos", "");
		linux_opts.groups[linux_opts.ngroups++] = (uint32_t)g;
		i++; /* the comma */
	}
}

/* One key=value line.  The program's path may be up to PATH_MAX long; every
 * other value is a short number or a few flags. */
static void set_option(const char *k, size_t klen, const char *v, size_t vlen)
{
	if (key_is(k, klen, "program")) {
		if (vlen >= sizeof(linux_opts.program))
			die(EXOSIM_EXIT_USAGE, "exos: %s%s\n", "the program's path is too long",
			    "");
		memcpy(linux_opts.program, v, vlen);
		linux_opts.program[vlen] = 0;
		return;
	}
	if (key_is(k, klen, "groups")) {
		read_groups(v, vlen);
		return;
	}
	char val[24];
	if (vlen >= sizeof(val))
		return; /* not one of ours, like an unknown key */
	memcpy(val, v, vlen);
	val[vlen] = 0;
	if (key_is(k, klen, "trace"))
		linux_opts.trace = atoi(val) != 0;
	else if (key_is(k, klen, "rewrite"))
		linux_opts.rewrite = atoi(val) != 0;
	else if (key_is(k, klen, "tty"))
		for (int i = 0; i < 3 && val[i]; i++)
			linux_opts.isatty[i] = val[i] == '1';
	else if (key_is(k, klen, "rows"))
		linux_opts.rows = (uint16_t)atoi(val);
	else if (key_is(k, klen, "cols"))
		linux_opts.cols = (uint16_t)atoi(val);
	else if (key_is(k, klen, "uid"))
		linux_opts.uid = (uint32_t)atoi(val);
	else if (key_is(k, klen, "gid"))
		linux_opts.gid = (uint32_t)atoi(val);
	else if (key_is(k, klen, "sigign"))
		linux_opts.sigign = strtoull(val, NULL, 16);
}

/* exosim/exos: key=value lines written by exosim (hostsim/initramfs.c). */
static void read_options(void)
{
	struct cpio_entry e;
	if (!initrd_file("exosim/exos", &e))
		die(EXOSIM_EXIT_NOFILE, "exos: %s%s\n",
		    "no settings in the initramfs (exosim/exos)", "");
	const char *p = (const char *)e.data, *end = p + e.size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(eol - p));
		if (eq)
			set_option(p, (size_t)(eq - p), eq + 1, (size_t)(eol - eq - 1));
		p = eol + 1;
	}
}

static uint64_t push(uint64_t *sp, const void *p, size_t n)
{
	*sp -= n;
	memcpy((void *)*sp, p, n);
	return *sp;
}

/* ExOS reads exosim/argv and exosim/envp itself (build_stack): the runtime
 * need not copy them for main (libos/start.c). */
const bool exos_start_args = false;

/* exosim refuses what Linux's execve would (hostsim/initramfs.c); ExOS checks
 * again, trusting no one. */
static void check_args(const struct exos_strlist *a, const struct exos_strlist *e, size_t strings)
{
	if (exos_strlist_longest(a) >= INITRAMFS_ARG_STRLEN_MAX ||
	    exos_strlist_longest(e) >= INITRAMFS_ARG_STRLEN_MAX ||
	    !initramfs_args_fit(a->count + e->count, strings))
		die(EXOSIM_EXIT_USAGE, "exos: cannot run %s: %s\n", linux_opts.program,
		    "argument list too long");
}

/* argc, argv, envp and auxv as Linux lays them out (System V ABI, x86-64
 * supplement, figure 3.9), from the top down: the file name (AT_EXECFN), the
 * environment's strings, the arguments' strings, AT_PLATFORM, AT_RANDOM's
 * bytes, then the vectors.  Returns the initial rsp. */
static uint64_t build_stack(const struct elf64_image *img)
{
	struct exos_strlist a = exos_boot_strings(INITRAMFS_ARGV);
	struct exos_strlist e = exos_boot_strings(INITRAMFS_ENVP);
	size_t execfn_len = strlen(linux_opts.program) + 1;
	size_t abytes = exos_strlist_bytes(&a), ebytes = exos_strlist_bytes(&e);
	check_args(&a, &e, abytes + ebytes + execfn_len);
	/* Mapped at once: the vectors and strings, and STACK_INITIAL for the
	 * program's first frames; the rest of LINUX_STACK_MAX faults in. */
	size_t vec_words = 1 + a.count + 1 + e.count + 1;
	size_t initial = STACK_INITIAL + abytes + ebytes + execfn_len + 8 * vec_words + 256;
	if (linux_mm_stack(LINUX_STACK_TOP, LINUX_STACK_MAX, initial) < 0)
		die(EXOSIM_EXIT_NOMEM, "exos: cannot run %s: %s\n", linux_opts.program,
		    "no memory for its stack");

	uint64_t sp = LINUX_STACK_TOP;
	uint64_t execfn = push(&sp, linux_opts.program, execfn_len);
	char *estr = (char *)(sp -= ebytes);
	char *astr = (char *)(sp -= abytes);
	uint64_t platform = push(&sp, "x86_64", 7);
	uint64_t seed[2] = {exo_rdtsc() * 0x9e3779b97f4a7c15ul, exo_rdtsc() ^ 0xbf58476d1ce4e5b9ul};
	uint64_t random = push(&sp, seed, sizeof(seed));

	uint64_t aux[LINUX_AUXV_N][2];
	linux_auxv(aux, img, platform, random, execfn);
	sp = (sp - (vec_words + 2 * ARRAY_LEN(aux)) * 8) & ~15ul; /* 16-aligned, as on Linux */
	uint64_t *argv = (uint64_t *)sp + 1, *envp = argv + a.count + 1;
	argv[-1] = a.count;
	exos_strlist_copy(&a, astr, argv);
	argv[a.count] = 0;
	exos_strlist_copy(&e, estr, envp);
	envp[e.count] = 0;
	memcpy(envp + e.count + 1, aux, sizeof(aux));
	return sp;
}

/* The program's file, checked again here: ExOS trusts no one, not even
 * exosim's own check (hostsim/initramfs.c). */
static struct cpio_entry open_program(struct elf64_image *img)
{
	struct cpio_entry e;
	const char *path = linux_opts.program;
	if (!initrd_file(path, &e))
		die(EXOSIM_EXIT_NOFILE, "exos: cannot run %s: %s\n", path, "not in the initramfs");
	int err = elf64_parse(e.data, e.size, LINUX_PIE_BASE, LINUX_MMAP_TOP, img);
	if (err)
		die(EXOSIM_EXIT_BADELF, "exos: cannot run %s: %s\n", path, elf64_strerror(err));
	if (img->lo < EXOS_IMAGE_END)
		die(EXOSIM_EXIT_BADELF, "exos: cannot run %s: %s\n", path,
		    "it is linked below 0x400000, where ExOS lives");
	return e;
}

/* Enters the program: rsp at argc, rdx = 0 (no exit function for the
 * program to register, as from the Linux kernel), the other registers 0 but
 * r15, which carries the entry point. */
_Noreturn static void enter(uint64_t entry, uint64_t sp)
{
	register uint64_t target __asm__("r15") = entry;
	__asm__ volatile("movq %%rdi, %%rsp\n\t"
	                 "xorl %%eax, %%eax\n\txorl %%ebx, %%ebx\n\txorl %%ecx, %%ecx\n\t"
	                 "xorl %%edx, %%edx\n\txorl %%esi, %%esi\n\txorl %%edi, %%edi\n\t"
	                 "xorl %%ebp, %%ebp\n\txorl %%r8d, %%r8d\n\txorl %%r9d, %%r9d\n\t"
	                 "xorl %%r10d, %%r10d\n\txorl %%r11d, %%r11d\n\txorl %%r12d, %%r12d\n\t"
	                 "xorl %%r13d, %%r13d\n\txorl %%r14d, %%r14d\n\t"
	                 "jmp *%%r15"
	                 :
	                 : "D"(sp), "r"(target)
	                 : "memory");
	__builtin_unreachable();
}

int main(void)
{
	linux_thread_boot();
	read_options();
	struct elf64_image img;
	struct cpio_entry file = open_program(&img);
	if (exos_exceptions_init() < 0)
		die(EXOSIM_EXIT_NOMEM, "exos: %s%s\n", "cannot set up exception handling", "");
	linux_mm_init(img.hi);
	linux_fs_init();
	linux_signal_init();
	linux_syscall_init(&img);
	linux_load_image(&img, file.data, file.size);
	uint64_t sp = build_stack(&img);
	exos_boot_marks[EXO_MARK_PROGRAM] = exo_rdtsc();
	enter(img.entry, sp);
}
