/* Program loading: ELF64 segments into fresh pages and a bare stack.  The ELF
 * has been checked by elf64_parse before a single page is touched.  Building
 * argv and the environment is the program's business, not the kernel's. */
#include <exo/errno.h>
#include <exo/memlayout.h>
#include <exo/status.h>

#include "arch.h"
#include "captab.h"
#include "elf64.h"
#include "gate.h"
#include "kernel.h"
#include "load.h"
#include "pmem.h"
#include "pagetable.h"
#include "uaccess.h"
#include "x86.h"

/* Merges perm into the page already mapped at va, if any (two segments may
 * share a page). */
static bool merge_present(struct env *e, uint64_t va, uint64_t perm)
{
	uint64_t *pte = vm_walk(e->pml4, va, false, 0);
	if (!pte || !(*pte & PTE_P))
		return false;
	*pte |= perm & PTE_W;
	if (!(perm & PTE_NX))
		*pte &= ~PTE_NX;
	return true;
}

/* Gives e zeroed pages over [lo, hi) through one run capability in e's own
 * table, like memory a libOS acquires: one allocation and one capability
 * for the whole segment, so a page costs only its mapping (issue 13: this was
 * ~400 ring-0 instructions a page, most of boot). */
static bool map_user_pages(struct env *e, uint64_t lo, uint64_t hi, uint64_t perm)
{
	while (lo < hi && merge_present(e, lo, perm))
		lo += EXO_PAGE_SIZE;
	while (hi > lo && merge_present(e, hi - EXO_PAGE_SIZE, perm))
		hi -= EXO_PAGE_SIZE;
	if (lo == hi)
		return true;
	uint64_t n = (hi - lo) / EXO_PAGE_SIZE, pa = run_alloc(n, false, e->slot);
	if (!pa)
		return false;
	int slot =
	        cap_create_run(&caps, e->slot, EXO_CAP_PAGE, EXO_RIGHTS_ALL, PFN(pa), (uint32_t)n);
	if (slot < 0) {
		run_free(PFN(pa), n);
		return false;
	}
	e->info->pages += n;
	uint32_t node = (uint32_t)cap_lookup(&caps, e->slot, slot);
	for (uint64_t i = 0; i < n; i++)
		if (vm_map(e, lo + i * EXO_PAGE_SIZE, PFN(pa) + i, perm, node))
			return false;
	return true;
}

static int load_segments(struct env *e, const struct elf64_image *img, const uint8_t *file)
{
	for (size_t i = 0; i < img->nloads; i++) {
		const struct elf64_load *l = &img->load[i];
		uint64_t perm = (l->flags & 2 ? PTE_W : 0) | (l->flags & 1 ? 0 : PTE_NX);
		uint64_t end = ROUNDUP(l->vaddr + l->memsz, EXO_PAGE_SIZE);
		if (!map_user_pages(e, ROUNDDOWN(l->vaddr, EXO_PAGE_SIZE), end, perm))
			return -EXO_ENOMEM;
		int err = copy_to_new_user(e->pml4, l->vaddr, file + l->offset, l->filesz);
		if (err)
			return err;
	}
	return 0;
}

/* A bare stack: zeroed pages, nothing on them.  The program builds its own
 * argv and environment from exosim/argv and exosim/envp in the exported
 * initramfs (docs/boot.md).  rsp sits 48 bytes below the top so that a
 * program expecting a Linux initial stack anyway reads zeros there: argc 0,
 * empty argv and envp, an empty auxiliary vector. */
static int map_stack(struct env *e)
{
	if (!map_user_pages(e, EXO_USTACK_BOTTOM, EXO_USTACK_TOP, PTE_W | PTE_NX))
		return -EXO_ENOMEM;
	e->tf.rsp = EXO_USTACK_TOP - 48;
	return 0;
}

int load_program(struct env *e, const char *path, const uint8_t *file, size_t len)
{
	struct elf64_image img;
	int err = elf64_parse(file, len, EXO_PIE_BASE, EXO_USTACK_BOTTOM, &img);
	if (err) {
		kprintf("exo: cannot run %s: %s\n", path, elf64_strerror(err));
		return EXOSIM_EXIT_BADELF;
	}
	if (load_segments(e, &img, file) || map_stack(e)) {
		kprintf("exo: cannot run %s: it does not fit in memory\n", path);
		return EXOSIM_EXIT_NOMEM;
	}
	e->tf.rip = img.entry;
	return 0;
}
