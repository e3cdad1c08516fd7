/* The program's memory calls: brk, mmap, munmap, mprotect, mremap, madvise,
 * msync, mincore and mlock.  They work on ranges through mm.c, which keeps
 * the regions, the page pool and the page tables in step (see mm.c). */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "linux.h"
#include "mm.h"
#include "shm.h"
#include "vma.h"

/* The handlers share one signature and each uses some of the six arguments. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

/* Linux's default overcommit policy (heuristic, vm.overcommit_memory = 0,
 * OVERCOMMIT_GUESS) refuses a single private writable request (mmap, brk
 * growth, mremap growth) larger than RAM + swap, so a program asking for more
 * than the VM has gets ENOMEM at once, as it would natively on a machine this
 * size; smaller requests are granted and their pages found when touched (and
 * running out then is the OOM kill, mm.c).  RAM, for us, is every frame the
 * kernel's allocator had at boot (kinfo.ram_pages), not what is free now: what
 * other processes happen to hold must not decide whether a mapping is granted,
 * as it does not on Linux.  Read-only, PROT_NONE, MAP_NORESERVE and shared
 * mappings are not accounted, as on Linux. */
static bool could_ever_fit(uint64_t len, int prot, int flags)
{
	if (!(prot & LINUX_PROT_WRITE) || flags & LINUX_MAP_NORESERVE ||
	    (flags & LINUX_MAP_TYPE) != LINUX_MAP_PRIVATE)
		return true;
	return len / PAGE <= exo_kinfo()->ram_pages;
}

/* ---- brk ---- */

static long grow_heap(uint64_t lo, uint64_t hi)
{
	if (hi > MM_USER_TOP || !vma_free(&vmas, lo, hi) ||
	    !could_ever_fit(hi - lo, LINUX_PROT_WRITE, LINUX_MAP_PRIVATE))
		return -LINUX_ENOMEM;
	return new_region(lo, hi, PROT_RW, 0, false);
}

/* brk(0) (or any address below the start) reports the break; a failure
 * leaves it where it was, as Linux does. */
static long sys_brk(long a1, long a2, long a3, long a4, long a5, long a6)
{
	uint64_t want = (uint64_t)a1, old_end = PAGE_UP(brk_cur), new_end;

	if (want < brk_base || want > MM_USER_TOP)
		return (long)brk_cur;
	new_end = PAGE_UP(want);
	if (new_end > old_end && grow_heap(old_end, new_end) < 0)
		return (long)brk_cur;
	if (new_end < old_end && unmap_range(new_end, old_end) < 0)
		return (long)brk_cur;
	brk_cur = want;
	return (long)want;
}

/* ---- mmap ---- */

/* Where a new mapping of len bytes goes. */
static long place(uint64_t addr, uint64_t len, int flags)
{
	uint64_t top = flags & LINUX_MAP_32BIT ? MM_32BIT_TOP : LINUX_MMAP_TOP, va;

	if (flags & (LINUX_MAP_FIXED | LINUX_MAP_FIXED_NOREPLACE)) {
		if (addr & (PAGE - 1))
			return -LINUX_EINVAL;
		if (addr < MM_USER_MIN)
			return -LINUX_EPERM;
		if (!user_range(addr, len))
			return -LINUX_ENOMEM;
		if (flags & LINUX_MAP_FIXED_NOREPLACE && !vma_free(&vmas, addr, addr + len))
			return -LINUX_EEXIST;
		return (long)addr;
	}
	if (addr && addr <= MM_USER_TOP) {
		va = PAGE_UP(addr);
		if (user_range(va, len) && vma_free(&vmas, va, va + len))
			return (long)va;
	}
	/* 2 MiB or more: on a 2 MiB boundary, so that every block of it can be
	 * one 2 MiB page (Linux aligns large anonymous mappings the same way). */
	if (len >= EXO_LARGE_SIZE &&
	    (va = vma_gap_topdown(&vmas, len + EXO_LARGE_SIZE - PAGE, MM_USER_MIN, top)))
		return (long)((va + EXO_LARGE_SIZE - PAGE) & ~(EXO_LARGE_SIZE - 1)); /* round up */
	va = vma_gap_topdown(&vmas, len, MM_USER_MIN, top);
	return va ? (long)va : -LINUX_ENOMEM;
}

/* Reads the file into [va, va + len) (a new region, absent pages) one batch
 * at a time; pages past the end of the file stay absent (zero on touch). */
static long load_file(uint64_t va, uint64_t len, int fd, uint64_t off)
{
	for (uint64_t p = va; p < va + len;) {
		uint64_t end = va + len - p > BATCH * PAGE ? p + BATCH * PAGE : va + len;
		long r = fill(p, end, perm_of(PROT_RW));

		if (r < 0)
			return -LINUX_ENOMEM;
		while (p < end) {
			r = linux_fs_pread(fd, (void *)p, end - p, off);
			if (r < 0)
				return r;
			if (r == 0)
				return 0; /* end of file: the rest reads as zeroes */
			p += (uint64_t)r;
			off += (uint64_t)r;
		}
	}
	return 0;
}

/* A private copy of fd's bytes at off, taken now (later writes to the file
 * do not show; MAP_SHARED files are treated the same way). */
static long map_file(uint64_t va, uint64_t len, uint32_t prot, int fd, uint64_t off)
{
	long r;

	if (prot == LINUX_PROT_NONE) /* nothing to read: a reservation */
		return new_region(va, va + len, prot, VMA_FILE, false);
	if (region_insert(va, va + len, PROT_RW, VMA_FILE) < 0)
		return -LINUX_ENOMEM;
	r = load_file(va, len, fd, off);
	if (r == 0 && prot != PROT_RW && vma_protect(&vmas, va, va + len, prot) < 0)
		r = -LINUX_ENOMEM;
	if (r == 0 && prot != PROT_RW)
		r = apply_prot(va, va + len, prot) < 0 ? -LINUX_ENOMEM : 0;
	if (r < 0)
		unmap_range(va, va + len);
	return r;
}

static long mmap_check(uint64_t len, uint64_t off, int prot, int flags)
{
	int type = flags & LINUX_MAP_TYPE;

	if (len == 0 || off & (PAGE - 1))
		return -LINUX_EINVAL;
	if (type != LINUX_MAP_SHARED && type != LINUX_MAP_PRIVATE &&
	    type != LINUX_MAP_SHARED_VALIDATE)
		return -LINUX_EINVAL;
	if (prot & ~PROT_RWX)
		return -LINUX_EINVAL;
	if (len > MM_USER_TOP - MM_USER_MIN)
		return -LINUX_ENOMEM;
	return 0;
}

static long sys_mmap(long a1, long a2, long a3, long a4, long a5, long a6)
{
	uint64_t len = PAGE_UP((uint64_t)a2), off = (uint64_t)a6;
	int prot = (int)a3, flags = (int)a4, fd = (int)a5;
	bool anon = flags & LINUX_MAP_ANONYMOUS;
	uint32_t vflags = flags & LINUX_MAP_GROWSDOWN ? VMA_STACK : 0;
	long r = mmap_check((uint64_t)a2, off, prot, flags), va;

	if (r < 0)
		return r;
	if (len == 0 || !could_ever_fit(len, prot, flags)) /* or rounding up overflowed */
		return -LINUX_ENOMEM;
	/* A bad descriptor fails before anything is replaced. */
	if (!anon && (r = linux_fs_pread(fd, NULL, 0, off)) < 0)
		return r;
	va = place((uint64_t)a1, len, flags);
	if (va < 0)
		return va;
	if ((flags & LINUX_MAP_FIXED) && unmap_range((uint64_t)va, (uint64_t)va + len) < 0)
		return -LINUX_ENOMEM;
	if (anon && (flags & LINUX_MAP_TYPE) != LINUX_MAP_PRIVATE)
		r = linux_shm_map((uint64_t)va, (uint64_t)va + len, (uint32_t)prot);
	else if (anon)
		r = new_region((uint64_t)va, (uint64_t)va + len, (uint32_t)prot, vflags,
		               flags & LINUX_MAP_POPULATE);
	else
		r = map_file((uint64_t)va, len, (uint32_t)prot, fd, off);
	return r < 0 ? r : va;
}

/* Unmapping nothing is fine; the program cannot reach below MM_USER_MIN
 * (ExOS lives there), so that part is skipped. */
static long sys_munmap(long a1, long a2, long a3, long a4, long a5, long a6)
{
	uint64_t lo = (uint64_t)a1, len = PAGE_UP((uint64_t)a2), hi = lo + len;

	if (lo & (PAGE - 1) || a2 == 0 || len == 0 || hi < lo || hi > MM_USER_TOP)
		return -LINUX_EINVAL;
	if (lo < MM_USER_MIN)
		lo = MM_USER_MIN;
	if (hi <= lo)
		return 0;
	return unmap_range(lo, hi);
}

/* mprotect over shared memory too: its pages are shm.c's. */
static long protect_each(uint64_t lo, uint64_t hi, uint32_t prot)
{
	for (size_t i = vma_lower_bound(&vmas, lo); i < vmas.n && vmas.v[i].lo < hi; i++) {
		uint64_t a = vmas.v[i].lo > lo ? vmas.v[i].lo : lo;
		uint64_t b = vmas.v[i].hi < hi ? vmas.v[i].hi : hi;
		long r = vmas.v[i].flags & VMA_SHARED ? linux_shm_protect(a, b, prot)
		                                      : apply_prot(a, b, prot);
		if (r < 0)
			return -LINUX_ENOMEM;
	}
	return 0;
}

static long sys_mprotect(long a1, long a2, long a3, long a4, long a5, long a6)
{
	uint64_t lo = (uint64_t)a1, len = PAGE_UP((uint64_t)a2), hi = lo + len;
	uint32_t prot = (uint32_t)a3 & PROT_RWX;

	if (lo & (PAGE - 1) ||
	    (uint64_t)a3 & ~(uint64_t)(PROT_RWX | LINUX_PROT_GROWSDOWN | LINUX_PROT_GROWSUP))
		return -LINUX_EINVAL;
	if (a2 == 0)
		return 0;
	if (len == 0 || hi < lo || hi > MM_USER_TOP || !vma_covered(&vmas, lo, hi))
		return -LINUX_ENOMEM;
	if (prot == LINUX_PROT_NONE && count_present(lo, hi) > parked_room())
		return -LINUX_ENOMEM;
	if (vma_protect(&vmas, lo, hi, prot) < 0)
		return -LINUX_ENOMEM;
	if (linux_shm_in(lo, hi))
		return protect_each(lo, hi, prot);
	return apply_prot(lo, hi, prot) < 0 ? -LINUX_ENOMEM : 0;
}

/* ---- mremap ---- */

/* Moves the region [old, old + old_len) (all of it one region) to dst,
 * which is free, as a region of new_len: the same physical pages are mapped
 * at dst, nothing is copied. */
static long move_region(uint64_t old, uint64_t old_len, uint64_t dst, uint64_t new_len)
{
	const struct vma *v = vma_find(&vmas, old);
	uint32_t prot = v->prot, flags = v->flags;
	long r;

	if (!all_owned(old, old + old_len))
		return -LINUX_ENOMEM;
	if (region_insert(dst, dst + new_len, prot, flags) < 0)
		return -LINUX_ENOMEM;
	if (vma_remove(&vmas, old, old + old_len) < 0) {
		vma_remove(&vmas, dst, dst + new_len);
		return -LINUX_ENOMEM;
	}
	r = for_each_span(old, old + old_len, move_span, dst - old);
	parked_move(old, old + old_len, dst - old);
	if (r < 0)
		return -LINUX_ENOMEM;
	if (new_len - old_len <= MM_EAGER_MAX && prot != LINUX_PROT_NONE)
		fill(dst + old_len, dst + new_len, perm_of(prot)); /* else on faults */
	return (long)dst;
}

/* Grows [old, old + old_len) in place into the free space after it. */
static long grow_in_place(uint64_t old, uint64_t old_len, uint64_t new_len)
{
	const struct vma *v = vma_find(&vmas, old);

	if (!user_range(old, new_len) || !vma_free(&vmas, old + old_len, old + new_len))
		return -LINUX_ENOMEM;
	if (new_region(old + old_len, old + new_len, v->prot, v->flags, false) < 0)
		return -LINUX_ENOMEM;
	return (long)old;
}

static long mremap_fixed(uint64_t old, uint64_t old_len, uint64_t dst, uint64_t new_len)
{
	if (dst & (PAGE - 1) || !user_range(dst, new_len))
		return -LINUX_EINVAL;
	if (dst < old + old_len && old < dst + new_len)
		return -LINUX_EINVAL;
	if (unmap_range(dst, dst + new_len) < 0)
		return -LINUX_ENOMEM;
	if (new_len < old_len) {
		if (unmap_range(old + new_len, old + old_len) < 0)
			return -LINUX_ENOMEM;
		old_len = new_len;
	}
	return move_region(old, old_len, dst, new_len);
}

static long sys_mremap(long a1, long a2, long a3, long a4, long a5, long a6)
{
	uint64_t old = (uint64_t)a1, old_len = PAGE_UP((uint64_t)a2);
	uint64_t new_len = PAGE_UP((uint64_t)a3), dst;
	int flags = (int)a4;
	const struct vma *v;

	if (old & (PAGE - 1) || flags & ~(LINUX_MREMAP_MAYMOVE | LINUX_MREMAP_FIXED) ||
	    ((flags & LINUX_MREMAP_FIXED) && !(flags & LINUX_MREMAP_MAYMOVE)))
		return -LINUX_EINVAL;
	if (new_len == 0 || old_len == 0) /* old_len 0 duplicates shared mappings only */
		return -LINUX_EINVAL;
	v = vma_find(&vmas, old);
	if (!v || old_len > v->hi - old)
		return -LINUX_EFAULT;
	if ((v->flags & VMA_SHARED) && new_len > old_len)
		return -LINUX_ENOMEM; /* shared memory shrinks only (docs/linux.md, Limits) */
	if ((v->flags & VMA_SHARED) && (flags & LINUX_MREMAP_FIXED))
		return -LINUX_ENOMEM;
	/* Growth is a new request, refused as mmap's would be (Linux accounts
	 * it the same way). */
	if (new_len > old_len &&
	    !could_ever_fit(new_len - old_len, (int)v->prot, LINUX_MAP_PRIVATE))
		return -LINUX_ENOMEM;
	if (flags & LINUX_MREMAP_FIXED)
		return mremap_fixed(old, old_len, (uint64_t)a5, new_len);
	if (new_len <= old_len) {
		if (new_len < old_len && unmap_range(old + new_len, old + old_len) < 0)
			return -LINUX_ENOMEM;
		return (long)old;
	}
	if (grow_in_place(old, old_len, new_len) >= 0)
		return (long)old;
	if (!(flags & LINUX_MREMAP_MAYMOVE))
		return -LINUX_ENOMEM;
	dst = vma_gap_topdown(&vmas, new_len, MM_USER_MIN, LINUX_MMAP_TOP);
	if (!dst)
		return -LINUX_ENOMEM;
	return move_region(old, old_len, dst, new_len);
}

/* ---- madvise, msync, mincore, mlock ---- */

/* MADV_DONTNEED: private anonymous pages read back as zero (they are freed
 * and fault in fresh); shared ones keep their contents, as on Linux.  File copies keep their
 * contents: re-reading the file is not possible once its descriptor may be closed. */
static long dontneed(uint64_t lo, uint64_t hi)
{
	for (size_t i = vma_lower_bound(&vmas, lo); i < vmas.n && vmas.v[i].lo < hi; i++) {
		uint64_t a = vmas.v[i].lo > lo ? vmas.v[i].lo : lo;
		uint64_t b = vmas.v[i].hi < hi ? vmas.v[i].hi : hi;

		/* shared memory keeps its contents, as Linux's shmem does */
		if (!(vmas.v[i].flags & (VMA_FILE | VMA_SHARED)))
			release(a, b);
	}
	return 0;
}

static long populate(uint64_t lo, uint64_t hi)
{
	for (size_t i = vma_lower_bound(&vmas, lo); i < vmas.n && vmas.v[i].lo < hi; i++) {
		uint64_t a = vmas.v[i].lo > lo ? vmas.v[i].lo : lo;
		uint64_t b = vmas.v[i].hi < hi ? vmas.v[i].hi : hi;

		if (vmas.v[i].prot == LINUX_PROT_NONE)
			return -LINUX_ENOMEM;
		if (fill(a, b, perm_of(vmas.v[i].prot)) < 0)
			return -LINUX_ENOMEM;
	}
	return 0;
}

/* [lo, lo + len) page-aligned, inside program memory, all mapped: 0, or the
 * error madvise, msync, mincore and mlock give. */
static long mapped_range(uint64_t lo, uint64_t len)
{
	if (lo & (PAGE - 1))
		return -LINUX_EINVAL;
	if (!user_range(lo, len) || !vma_covered(&vmas, lo, lo + len))
		return -LINUX_ENOMEM;
	return 0;
}

static long sys_madvise(long a1, long a2, long a3, long a4, long a5, long a6)
{
	uint64_t lo = (uint64_t)a1, len = PAGE_UP((uint64_t)a2);
	long r;

	if (lo & (PAGE - 1) || a3 < 0 || a3 > LINUX_MADV_LAST)
		return -LINUX_EINVAL;
	if (len == 0)
		return 0;
	if ((r = mapped_range(lo, len)) < 0)
		return r;
	switch (a3) {
	case LINUX_MADV_DONTNEED:
	case LINUX_MADV_REMOVE:
		return dontneed(lo, lo + len);
	case LINUX_MADV_WILLNEED:
	case LINUX_MADV_POPULATE_READ:
	case LINUX_MADV_POPULATE_WRITE:
		return populate(lo, lo + len);
	default: /* MADV_FREE may keep the contents: keeping is cheapest here */
		return 0;
	}
}

static long sys_msync(long a1, long a2, long a3, long a4, long a5, long a6)
{
	uint64_t lo = (uint64_t)a1, len = PAGE_UP((uint64_t)a2);

	if (lo & (PAGE - 1) || a3 & ~(LINUX_MS_ASYNC | LINUX_MS_INVALIDATE | LINUX_MS_SYNC) ||
	    ((a3 & LINUX_MS_ASYNC) && (a3 & LINUX_MS_SYNC)))
		return -LINUX_EINVAL;
	return len ? mapped_range(lo, len) : 0;
}

/* One byte per page: 1 if resident (present or parked). */
static long sys_mincore(long a1, long a2, long a3, long a4, long a5, long a6)
{
	uint64_t lo = (uint64_t)a1, len = PAGE_UP((uint64_t)a2), vec = (uint64_t)a3;
	long r = mapped_range(lo, len);

	if (r < 0 || len == 0)
		return r;
	if (!linux_user_ok(vec, len / PAGE, true))
		return -LINUX_EFAULT;
	for (uint64_t p = lo; p < lo + len; p += PAGE)
		((volatile uint8_t *)vec)[(p - lo) / PAGE] = present(p) || parked_at(p);
	return 0;
}

static long sys_mlock(long a1, long a2, long a3, long a4, long a5, long a6)
{
	uint64_t lo = PAGE_DOWN((uint64_t)a1), len = PAGE_UP((uint64_t)a1 + (uint64_t)a2) - lo;

	return len ? mapped_range(lo, len) : 0;
}

static long sys_mlockall(long a1, long a2, long a3, long a4, long a5, long a6)
{
	return 0;
}

const struct linux_syscall_def linux_mm_syscalls[] = {
        {LINUX_SYS_brk, "brk", sys_brk},
        {LINUX_SYS_mmap, "mmap", sys_mmap},
        {LINUX_SYS_munmap, "munmap", sys_munmap},
        {LINUX_SYS_mprotect, "mprotect", sys_mprotect},
        {LINUX_SYS_mremap, "mremap", sys_mremap},
        {LINUX_SYS_madvise, "madvise", sys_madvise},
        {LINUX_SYS_msync, "msync", sys_msync},
        {LINUX_SYS_mincore, "mincore", sys_mincore},
        {LINUX_SYS_mlock, "mlock", sys_mlock},
        {LINUX_SYS_munlock, "munlock", sys_mlock},
        {LINUX_SYS_mlock2, "mlock2", sys_mlock},
        {LINUX_SYS_mlockall, "mlockall", sys_mlockall},
        {LINUX_SYS_munlockall, "munlockall", sys_mlockall},
};
const size_t linux_mm_nsyscalls = sizeof(linux_mm_syscalls) / sizeof(linux_mm_syscalls[0]);
