/* Program loading: ELF64 segments into fresh pages, or read-only ones mapped
 * in place from the initramfs, and a bare stack.  The ELF has been checked by
 * elf64_parse before a single page is touched.  Building argv and the
 * environment is the program's business, not the kernel's. */
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
	return vm_map_run(e, lo, PFN(pa), n, perm, node) == 0;
}

/* The frames of the initramfs e may map read-only in place: its capability
 * in slot EXO_CAP_INITRD (main.c), found only if it is what main.c made. */
struct in_place {
	int64_t node;  /* the capability's node, or -1: copy everything */
	uint64_t pfn0; /* the frame of the file's first byte */
	uint64_t len;  /* the file's length */
};

static struct in_place in_place_of(struct env *e, const uint8_t *file, size_t len)
{
	struct in_place ip = {cap_lookup(&caps, e->slot, EXO_CAP_INITRD), 0, len};
	uint64_t pa = kpa(file);
	if (ip.node < 0 || pa & (EXO_PAGE_SIZE - 1))
		return (struct in_place){-1, 0, 0};
	const struct cap_node *n = &caps.nodes[ip.node];
	ip.pfn0 = PFN(pa);
	if (n->type != EXO_CAP_PAGE || n->rights & EXO_RIGHT_WRITE || ip.pfn0 < n->object ||
	    PFN(pa + ROUNDUP(len, EXO_PAGE_SIZE)) > n->object + n->count)
		ip.node = -1;
	return ip;
}

static bool touches(const struct elf64_load *l, uint64_t va)
{
	return va + EXO_PAGE_SIZE > l->vaddr && va < l->vaddr + l->memsz;
}

/* Whether a segment other than l has bytes on the page at va. */
static bool shared_page(const struct elf64_image *img, const struct elf64_load *l, uint64_t va)
{
	for (size_t i = 0; i < img->nloads; i++)
		if (&img->load[i] != l && touches(&img->load[i], va))
			return true;
	return false;
}

/* The pages [*lo, *hi) of segment l that can be the file's frames themselves
 * (empty if none): a read-only segment congruent with its file offset, the
 * pages its file bytes fill, and its last page too when it has no .bss and the
 * file runs on to that page's end (never past the file: the frame's next
 * bytes would be the archive's next entry), but not a page another segment
 * shares.  Segments never share bytes (elf64_parse), so only the first and
 * the last page can be shared: the span is computed, not searched page by
 * page (issue 13: that search was ~40% of the loader's ring-0 instructions).
 * The libOS (libos/linux/load.c) does the same for a Linux program, and the
 * copy-on-write of writable pages, which the kernel leaves to it. */
static void in_place_span(const struct in_place *ip, const struct elf64_image *img,
                          const struct elf64_load *l, uint64_t *lo, uint64_t *hi)
{
	*lo = *hi = 0;
	if (ip->node < 0 || l->flags & 2 || l->offset % EXO_PAGE_SIZE != l->vaddr % EXO_PAGE_SIZE)
		return;
	uint64_t first = ROUNDDOWN(l->vaddr, EXO_PAGE_SIZE), fend = l->vaddr + l->filesz;
	uint64_t end = ROUNDDOWN(fend, EXO_PAGE_SIZE);
	/* The file offset of the page at end: >= 0, as the segment is congruent. */
	if (end < fend && l->memsz == l->filesz &&
	    l->offset - (l->vaddr - end) + EXO_PAGE_SIZE <= ip->len)
		end += EXO_PAGE_SIZE;
	if (first < end && shared_page(img, l, first))
		first += EXO_PAGE_SIZE;
	if (first < end && shared_page(img, l, end - EXO_PAGE_SIZE))
		end -= EXO_PAGE_SIZE;
	if (first < end)
		*lo = first, *hi = end;
}

/* Fresh pages [lo, hi) of segment l (one run capability, map_user_pages)
 * with their share of the file copied. */
static int load_fresh(struct env *e, const struct elf64_load *l, const uint8_t *file, uint64_t lo,
                      uint64_t hi, uint64_t perm)
{
	if (lo >= hi)
		return 0;
	if (!map_user_pages(e, lo, hi, perm))
		return -EXO_ENOMEM;
	uint64_t fend = l->vaddr + l->filesz;
	lo = lo > l->vaddr ? lo : l->vaddr;
	hi = hi < fend ? hi : fend;
	return lo < hi ? copy_to_new_user(e->pml4, lo, file + l->offset + (lo - l->vaddr), hi - lo)
	               : 0;
}

/* One segment: its in-place pages mapped as one run, fresh pages below and
 * above them. */
static int load_segment(struct env *e, const struct in_place *ip, const struct elf64_image *img,
                        const struct elf64_load *l, const uint8_t *file)
{
	uint64_t perm = (l->flags & 2 ? PTE_W : 0) | (l->flags & 1 ? 0 : PTE_NX);
	uint64_t start = ROUNDDOWN(l->vaddr, EXO_PAGE_SIZE);
	uint64_t end = ROUNDUP(l->vaddr + l->memsz, EXO_PAGE_SIZE), lo, hi;
	in_place_span(ip, img, l, &lo, &hi);
	if (lo == hi)
		return load_fresh(e, l, file, start, end, perm);
	int err = load_fresh(e, l, file, start, lo, perm);
	if (err)
		return err;
	/* congruent with the file: the span's frames are consecutive */
	uint64_t pfn = ip->pfn0 + (l->offset - (l->vaddr - lo)) / EXO_PAGE_SIZE;
	if (vm_map_run(e, lo, pfn, (hi - lo) / EXO_PAGE_SIZE, perm, (uint32_t)ip->node))
		return -EXO_ENOMEM;
	return load_fresh(e, l, file, hi, end, perm);
}

static int load_segments(struct env *e, const struct elf64_image *img, const uint8_t *file,
                         size_t len)
{
	struct in_place ip = in_place_of(e, file, len);
	for (size_t i = 0; i < img->nloads; i++) {
		int err = load_segment(e, &ip, img, &img->load[i], file);
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
	if (load_segments(e, &img, file, len) || map_stack(e)) {
		kprintf("exo: cannot run %s: it does not fit in memory\n", path);
		return EXOSIM_EXIT_NOMEM;
	}
	e->tf.rip = img.entry;
	return 0;
}
