/* Loading the program's segments, in place where the initramfs allows.
 *
 * exosim puts every file's data on a page of the archive (hostsim/cpio_build.c)
 * and the kernel gives us a read-only capability over the initramfs frames
 * (EXO_CAP_INITRD; frame i holds archive bytes [i * 4096, (i + 1) * 4096)).
 * So a page of the program whose bytes are a page of its file is not copied:
 *  - a read-only or executable page maps the file's frame itself;
 *  - a writable page of a large writable segment maps it copy-on-write
 *    (read-only + EXOS_PTE_COW): the first write copies it into a fresh page
 *    (vm.c's cow_fault), and the initramfs never changes, as the kernel
 *    refuses a writable mapping of it; a small one is copied at once
 *    (EAGER_DATA_PAGES says why).
 * Every other page is fresh and filled by copying, as before: the page where a
 * writable segment's file bytes end (what follows p_filesz must read as zero),
 * the .bss, a page two segments share, and every page of a segment whose file
 * offset and address differ mod 4096 or of a file that is not page-aligned in
 * the archive (a user's --initrd, QEMU's -initrd of another archive).  Loading
 * costs one map op per run of in-place pages instead of a page allocation, a
 * map and a copy per page (~200 µs each on KVM-on-PVM, docs/benchmarks.md). */
#include <string.h>

#include <exos/vm.h>

#include "elf64.h"
#include "linux.h"

uint64_t linux_image_in_place, linux_image_fresh;

enum page_kind {
	PAGE_NONE,   /* in no segment: stays unmapped */
	PAGE_SHARED, /* the file's frame, read-only */
	PAGE_COW,    /* the file's frame, copy-on-write */
	PAGE_COPY,   /* a fresh page with the file bytes copied in */
	PAGE_ZERO,   /* a fresh page (.bss) */
};

struct source {
	bool in_place;       /* the file's pages are frames of EXO_CAP_INITRD */
	uint64_t first;      /* the frame of the file's first byte */
	const uint8_t *file; /* the file's bytes (at EXO_INITRD) */
	size_t size;
};

/* The initramfs frame holding file offset 0, if the file starts on a page of
 * an archive we hold the read-only capability for. */
static struct source source_of(const uint8_t *file, size_t size)
{
	struct source s = {false, 0, file, size};
	uint64_t off = (uint64_t)file - EXO_INITRD;
	uint64_t pages = (exo_kinfo()->initrd_size + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE;
	struct exo_cap_info info = {0};

	/* The archive's capability is read-only: one with EXO_RIGHT_WRITE in
	 * that slot is something else (an older kernel's first page). */
	if (off % EXO_PAGE_SIZE || exo_cap_info(EXO_CAP_INITRD, &info) < 0 ||
	    info.type != EXO_CAP_PAGE || !(info.rights & EXO_RIGHT_MAP) ||
	    (info.rights & EXO_RIGHT_WRITE) || info.count != pages)
		return s;
	s.in_place = true;
	s.first = off / EXO_PAGE_SIZE;
	return s;
}

static bool touches(const struct elf64_load *l, uint64_t va)
{
	return va + EXO_PAGE_SIZE > l->vaddr && va < l->vaddr + l->memsz;
}

/* A writable segment with at most this many pages of file bytes is copied at
 * load, not mapped copy-on-write: a program writes most of its .data, .got and
 * relro at start (busybox true wrote 4 of its 9 such pages), and a
 * copy-on-write fault costs a trap and a MAP, ~900 emulated ring-0
 * instructions on KVM-on-PVM, where a fresh page in the load's one batched MAP
 * costs ~25 and its copy is done in ring 3.  A larger one stays copy-on-write,
 * so that loading never costs more than ~EAGER_DATA_PAGES copies. */
#define EAGER_DATA_PAGES 64

static uint64_t file_pages(const struct elf64_load *l)
{
	uint64_t lo = l->vaddr & ~(EXO_PAGE_SIZE - 1);
	uint64_t hi = (l->vaddr + l->filesz + EXO_PAGE_SIZE - 1) & ~(EXO_PAGE_SIZE - 1);
	return (hi - lo) / EXO_PAGE_SIZE;
}

/* What the page at va is, and for an in-place page the index of its frame in
 * EXO_CAP_INITRD's run. */
static enum page_kind page_kind(const struct elf64_image *img, const struct source *src,
                                uint64_t va, uint64_t *frame)
{
	const struct elf64_load *l = NULL;
	int n = 0;

	for (size_t i = 0; i < img->nloads; i++)
		if (touches(&img->load[i], va))
			l = &img->load[i], n++;
	if (n == 0)
		return PAGE_NONE;
	if (n > 1 || !src->in_place || l->offset % EXO_PAGE_SIZE != l->vaddr % EXO_PAGE_SIZE)
		return PAGE_COPY;
	uint64_t file_end = l->vaddr + l->filesz;
	/* The file offset of va: l->offset >= l->vaddr % 4096 (congruent), so
	 * this does not wrap even on the segment's first page. */
	uint64_t off = l->offset - (l->vaddr - va);
	bool writable = l->flags & ELF64_PF_W;
	if (va >= file_end)
		return l->filesz ? PAGE_ZERO : PAGE_COPY;
	/* A page the file covers whole; or, read-only without .bss, the
	 * segment's last page whole, its tail the file's next bytes, as Linux
	 * maps it (never past the file's end, into the next archive entry). */
	if (writable && file_pages(l) <= EAGER_DATA_PAGES)
		return PAGE_COPY;
	if (va + EXO_PAGE_SIZE <= file_end ||
	    (!writable && l->memsz == l->filesz && off + EXO_PAGE_SIZE <= src->size)) {
		*frame = src->first + off / EXO_PAGE_SIZE;
		return writable ? PAGE_COW : PAGE_SHARED;
	}
	return PAGE_COPY;
}

static bool fresh(enum page_kind k)
{
	return k == PAGE_COPY || k == PAGE_ZERO;
}

/* The pages of va get the union of the permissions of every segment touching
 * them: segments may share a page at their edges. */
static int page_prot(const struct elf64_image *img, uint64_t va)
{
	int prot = 0;

	for (size_t i = 0; i < img->nloads; i++) {
		const struct elf64_load *l = &img->load[i];
		if (touches(l, va))
			prot |= (l->flags & ELF64_PF_R ? LINUX_PROT_READ : 0) |
			        (l->flags & ELF64_PF_W ? LINUX_PROT_WRITE : 0) |
			        (l->flags & ELF64_PF_X ? LINUX_PROT_EXEC : 0);
	}
	return prot;
}

static uint64_t prot_perm(int prot)
{
	return (prot & LINUX_PROT_WRITE ? EXO_PTE_W : 0) |
	       (prot & LINUX_PROT_EXEC ? 0 : EXO_PTE_NX);
}

/* The permissions an in-place page is mapped with: never writable. */
static uint64_t in_place_perm(enum page_kind k, int prot)
{
	return (prot_perm(prot) & ~EXO_PTE_W) | (k == PAGE_COW ? EXOS_PTE_COW : 0);
}

_Noreturn static void cannot(const char *why)
{
	linux_refuse(EXOSIM_EXIT_NOMEM, "exos: cannot run %s: %s\n", linux_opts.program, why);
}

/* Page keys: a run is the pages from va on (up to img->hi) with va's key. */
typedef int (*page_key)(const struct elf64_image *img, const struct source *src, uint64_t va);

static uint64_t run_end(const struct elf64_image *img, const struct source *src, uint64_t va,
                        page_key key)
{
	int k = key(img, src, va);
	uint64_t end = va + EXO_PAGE_SIZE;

	while (end < img->hi && key(img, src, end) == k)
		end += EXO_PAGE_SIZE;
	return end;
}

/* 0: in no segment, 1: in place, 2: fresh. */
static int key_fresh(const struct elf64_image *img, const struct source *src, uint64_t va)
{
	uint64_t frame;
	enum page_kind k = page_kind(img, src, va, &frame);

	return k == PAGE_NONE ? 0 : fresh(k) ? 2 : 1;
}

/* A region: in a segment or not, and the permissions. */
static int key_region(const struct elf64_image *img, const struct source *src, uint64_t va)
{
	return key_fresh(img, src, va) ? 1 + page_prot(img, va) : 0;
}

/* Maps every fresh page, writable for the copies, in runs (exos_map_run: one
 * allocation and one map op per run).  Refuses at once what cannot fit, rather
 * than after mapping pages for seconds: free memory is exported, and a page
 * takes a capability slot. */
static void map_fresh(const struct elf64_image *img, const struct source *src)
{
	size_t npages = 0;

	for (uint64_t va = img->lo; va < img->hi; va += EXO_PAGE_SIZE) {
		int k = key_fresh(img, src, va);
		npages += k == 2;
		linux_image_in_place += k == 1;
	}
	linux_image_fresh = npages;
	if (npages > exo_kinfo()->free_pages || npages >= EXO_CAP_SLOTS)
		cannot("it does not fit in memory");
	for (uint64_t va = img->lo, end; va < img->hi; va = end) {
		end = run_end(img, src, va, key_fresh);
		if (key_fresh(img, src, va) == 2 &&
		    exos_map_run(va, (end - va) / EXO_PAGE_SIZE, EXO_PTE_W | EXO_PTE_NX) < 0)
			cannot("it does not fit in memory");
	}
}

static void send(struct exo_map_op *ops, size_t *nops, size_t *npages)
{
	if (*nops && exo_map(EXO_CAP_SELF, ops, *nops) != (long)*nops)
		cannot("cannot map its file's pages");
	*nops = *npages = 0;
}

/* Maps the in-place pages: one op per run of consecutive frames with the same
 * kind and permissions, at most EXO_MAP_BATCH pages per call. */
static void map_in_place(const struct elf64_image *img, const struct source *src)
{
	static struct exo_map_op ops[EXO_MAP_BATCH];
	size_t nops = 0, npages = 0;

	for (uint64_t va = img->lo; va < img->hi; va += EXO_PAGE_SIZE) {
		uint64_t frame;
		enum page_kind k = page_kind(img, src, va, &frame);
		if (k != PAGE_SHARED && k != PAGE_COW)
			continue;
		uint64_t perm = in_place_perm(k, page_prot(img, va));
		struct exo_map_op *last = nops ? &ops[nops - 1] : NULL;
		if (npages == EXO_MAP_BATCH)
			send(ops, &nops, &npages), last = NULL;
		if (last && last->va + last->npages * EXO_PAGE_SIZE == va &&
		    last->first + last->npages == frame && last->perm == perm) {
			last->npages++;
		} else {
			ops[nops++] = (struct exo_map_op){.va = va,
			                                  .cap = EXO_CAP_INITRD,
			                                  .first = (uint32_t)frame,
			                                  .npages = 1,
			                                  .perm = perm};
		}
		npages++;
	}
	send(ops, &nops, &npages);
}

/* Copies each segment's file bytes into its fresh pages (the rest of them
 * is zero already). */
static void copy_fresh(const struct elf64_image *img, const struct source *src)
{
	for (size_t i = 0; i < img->nloads; i++) {
		const struct elf64_load *l = &img->load[i];
		uint64_t end = l->vaddr + l->filesz;
		for (uint64_t va = l->vaddr, next; va < end; va = next) {
			uint64_t page = va & ~(EXO_PAGE_SIZE - 1);
			next = page + EXO_PAGE_SIZE < end ? page + EXO_PAGE_SIZE : end;
			if (key_fresh(img, src, page) == 2)
				memcpy((void *)va, src->file + l->offset + (va - l->vaddr),
				       next - va);
		}
	}
}

void linux_load_image(const struct elf64_image *img, const uint8_t *file, size_t size)
{
	struct source src = source_of(file, size);

	map_fresh(img, &src);
	map_in_place(img, &src);
	copy_fresh(img, &src);
	/* Final permissions, region by region (the fresh pages were writable
	 * for the copy).  Executable regions also get a writable alias at
	 * LINUX_TEXT_ALIAS, through which syscall sites are rewritten. */
	for (uint64_t va = img->lo, end; va < img->hi; va = end) {
		int prot = page_prot(img, va);
		end = run_end(img, &src, va, key_region);
		if (!key_region(img, &src, va))
			continue;
		for (uint64_t p = va, q; p < end; p = q) {
			q = run_end(img, &src, p, key_fresh);
			q = q < end ? q : end;
			if (key_fresh(img, &src, p) == 2 &&
			    exos_protect_range(p, (q - p) / EXO_PAGE_SIZE, prot_perm(prot)) < 0)
				cannot("cannot protect its segments");
		}
		linux_mm_note_region(va, end - va, prot, "image");
		if (prot & LINUX_PROT_EXEC)
			linux_text_alias(va, (end - va) / EXO_PAGE_SIZE);
	}
}
