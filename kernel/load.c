/* Program loading: ELF64 segments into fresh pages, the Linux initial stack
 * (argc, argv, envp, auxv), and the kernel's exported pages.  The ELF has been
 * checked by elf64_parse before a single page is touched. */
#include <exo/errno.h>
#include <exo/memlayout.h>
#include <exo/status.h>

#include "arch.h"
#include "captab.h"
#include "elf64.h"
#include "gate.h"
#include "kernel.h"
#include "kstring.h"
#include "load.h"
#include "pmem.h"
#include "pagetable.h"
#include "uaccess.h"
#include "x86.h"

#define MAX_ARGS 1024

/* Gives e a zeroed page at va, through a capability in e's own table like any
 * page a libOS acquires, or merges permissions if one is there already (two
 * segments may share a page). */
static bool map_user_page(struct env *e, uint64_t va, uint64_t perm)
{
	uint64_t *pte = vm_walk(e->pml4, va, false, 0);
	if (pte && (*pte & PTE_P)) {
		*pte |= perm & PTE_W;
		if (!(perm & PTE_NX))
			*pte &= ~PTE_NX;
		return true;
	}
	uint64_t pfn;
	int slot = cap_acquire_page(e, EXO_ANY, &pfn);
	if (slot < 0)
		return false;
	return vm_map(e, va, pfn, perm, (uint32_t)cap_lookup(&caps, e->slot, slot)) == 0;
}

/* Copies into user memory that the kernel itself has just mapped (it may be
 * read-only to the program): every page was mapped just before. */
static void load_bytes(uint64_t pml4, uint64_t va, const void *src, size_t len)
{
	if (copy_to_new_user(pml4, va, src, len))
		panic("the loader lost a page it had just mapped at 0x%lx", va);
}

static int load_segments(struct env *e, const struct elf64_image *img, const uint8_t *file)
{
	for (size_t i = 0; i < img->nloads; i++) {
		const struct elf64_load *l = &img->load[i];
		uint64_t perm = (l->flags & 2 ? PTE_W : 0) | (l->flags & 1 ? 0 : PTE_NX);
		uint64_t end = l->vaddr + l->memsz;
		for (uint64_t va = ROUNDDOWN(l->vaddr, EXO_PAGE_SIZE); va < end;
		     va += EXO_PAGE_SIZE)
			if (!map_user_page(e, va, perm))
				return -EXO_ENOMEM;
		load_bytes(e->pml4, l->vaddr, file + l->offset, l->filesz);
	}
	return 0;
}

/* Splits a NUL-separated list into at most max pointers; returns the count. */
static int split(struct strlist l, const char **out, int max)
{
	int n = 0;
	for (size_t i = 0; i < l.len && n < max;) {
		out[n++] = l.data + i;
		while (i < l.len && l.data[i])
			i++;
		i++;
	}
	return n;
}

/* Pushes bytes onto the user stack being built; returns their user address. */
static uint64_t push_bytes(struct env *e, uint64_t *sp, const void *p, size_t n)
{
	*sp -= n;
	load_bytes(e->pml4, *sp, p, n);
	return *sp;
}

static size_t bounded_len(const char *s, const char *limit)
{
	size_t n = 0;
	while (s + n < limit && s[n])
		n++;
	return n;
}

static int build_stack(struct env *e, const struct elf64_image *img, struct strlist argv,
                       struct strlist envp)
{
	for (uint64_t va = EXO_USTACK_BOTTOM; va < EXO_USTACK_TOP; va += EXO_PAGE_SIZE)
		if (!map_user_page(e, va, PTE_W | PTE_NX))
			return -EXO_ENOMEM;

	static const char *args[MAX_ARGS], *envs[MAX_ARGS];
	static uint64_t vec[2 * MAX_ARGS + 64];
	int argc = split(argv, args, MAX_ARGS), envc = split(envp, envs, MAX_ARGS);
	uint64_t sp = EXO_USTACK_TOP, uargs[MAX_ARGS], uenvs[MAX_ARGS];
	/* Arguments may take at most half the stack; the program gets the rest. */
	size_t need = argv.len + envp.len + 16 + 8 * ((size_t)argc + envc + 40);
	if (need > EXO_USTACK_PAGES * EXO_PAGE_SIZE / 2)
		return -EXO_ENOMEM;

	for (int i = 0; i < argc; i++)
		uargs[i] =
		        push_bytes(e, &sp, args[i], bounded_len(args[i], argv.data + argv.len) + 1);
	for (int i = 0; i < envc; i++)
		uenvs[i] =
		        push_bytes(e, &sp, envs[i], bounded_len(envs[i], envp.data + envp.len) + 1);
	uint64_t seed[2] = {rdtsc() * 0x9e3779b97f4a7c15ul, (uint64_t)e * 0xbf58476d1ce4e5b9ul};
	uint64_t urandom = push_bytes(e, &sp, seed, sizeof(seed));

	size_t n = 0;
	vec[n++] = (uint64_t)argc;
	for (int i = 0; i < argc; i++)
		vec[n++] = uargs[i];
	vec[n++] = 0;
	for (int i = 0; i < envc; i++)
		vec[n++] = uenvs[i];
	vec[n++] = 0;
	const uint64_t aux[][2] = {
	        {ELF64_AT_PHDR, img->phdr_vaddr},
	        {ELF64_AT_PHENT, img->phentsize},
	        {ELF64_AT_PHNUM, img->phnum},
	        {ELF64_AT_PAGESZ, EXO_PAGE_SIZE},
	        {ELF64_AT_BASE, 0},
	        {ELF64_AT_FLAGS, 0},
	        {ELF64_AT_ENTRY, img->entry},
	        {ELF64_AT_UID, 0},
	        {ELF64_AT_EUID, 0},
	        {ELF64_AT_GID, 0},
	        {ELF64_AT_EGID, 0},
	        {ELF64_AT_CLKTCK, 100},
	        {ELF64_AT_SECURE, 0},
	        {ELF64_AT_RANDOM, urandom},
	        {ELF64_AT_EXECFN, argc ? uargs[0] : 0},
	        {ELF64_AT_NULL, 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(aux); i++)
		vec[n++] = aux[i][0], vec[n++] = aux[i][1];
	sp = ROUNDDOWN(sp - n * 8, 16); /* rsp is 16-byte aligned at entry, as on Linux */
	load_bytes(e->pml4, sp, vec, n * 8);
	e->tf.rsp = sp;
	return 0;
}

int load_program(struct env *e, const char *path, const uint8_t *file, size_t len,
                 struct strlist argv, struct strlist envp)
{
	struct elf64_image img;
	int err = elf64_parse(file, len, EXO_PIE_BASE, EXO_USTACK_BOTTOM, &img);
	if (err) {
		kprintf("exo: cannot run %s: %s\n", path, elf64_strerror(err));
		return EXOSIM_EXIT_BADELF;
	}
	if (load_segments(e, &img, file) || build_stack(e, &img, argv, envp)) {
		kprintf("exo: cannot run %s: it does not fit in memory\n", path);
		return EXOSIM_EXIT_NOMEM;
	}
	e->tf.rip = img.entry;
	return 0;
}
