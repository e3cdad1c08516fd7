/* The one door for user memory (uaccess.h).  Nothing else in the kernel
 * walks an environment's page tables for a user address or dereferences
 * one. */
#include <exo/errno.h>
#include <exo/memlayout.h>

#include "arch.h"
#include "kernel.h"
#include "kstring.h"
#include "pagetable.h"
#include "uaccess.h"
#include "x86.h"

#define PT_INDEX(va, level) (((va) >> (12 + 9 * (level))) & 511)

/* The entry for va at `level` in the table an upper entry points to. */
static uint64_t entry_below(uint64_t upper, uint64_t va, int level)
{
	return ((const uint64_t *)kva(upper & PTE_ADDR_MASK))[PT_INDEX(va, level)];
}

/* The physical address behind va, or UACCESS_NO_PAGE unless every level maps
 * it present, user-accessible and with `extra` (PTE_W for a store), as the
 * CPU would check a ring-3 access.  Unrolled: about half the instructions of
 * a loop over the levels, and every one is emulated here (~2-3 us of host
 * CPU on KVM nested on PVM); wakeup predicates, copies and each disk batch's
 * vector come through it. */
static uint64_t walk(uint64_t pml4, uint64_t va, uint64_t extra)
{
	const uint64_t need = PTE_P | PTE_U | extra;
	uint64_t e = entry_below(pml4, va, 3);
	if ((e & need) != need || (e & PTE_PS))
		return UACCESS_NO_PAGE;
	e = entry_below(e, va, 2);
	if ((e & need) != need || (e & PTE_PS)) /* no 1 GiB pages for users */
		return UACCESS_NO_PAGE;
	e = entry_below(e, va, 1);
	if ((e & need) != need)
		return UACCESS_NO_PAGE;
	if (e & PTE_PS) /* a 2 MiB page */
		return (e & PTE_ADDR_MASK) + (va & ((EXO_PAGE_SIZE << 9) - 1));
	e = entry_below(e, va, 0);
	if ((e & need) != need)
		return UACCESS_NO_PAGE;
	return (e & PTE_ADDR_MASK) | (va & (EXO_PAGE_SIZE - 1));
}

static uint64_t translate(uint64_t pml4, uint64_t va, uint64_t extra)
{
	return user_addr_ok(va) ? walk(pml4, va, extra) : UACCESS_NO_PAGE;
}

uint64_t user_phys(uint64_t pml4, uint64_t va, bool write)
{
	return translate(pml4, va, write ? PTE_W : 0);
}

/* Bytes from va to the end of its page, at most len. */
static size_t page_chunk(uint64_t va, size_t len)
{
	size_t n = EXO_PAGE_SIZE - (va & (EXO_PAGE_SIZE - 1));
	return n < len ? n : len;
}

/* Walks [uva, uva+len) page by page through the direct map.  `need` is what
 * each leaf must allow beyond present and user. */
static int user_copy(uint64_t pml4, uint64_t uva, uint8_t *kbuf, size_t len, bool to_user,
                     uint64_t need)
{
	if (!user_range_ok(uva, len))
		return -EXO_EFAULT;
	while (len) {
		uint64_t pa = translate(pml4, uva, need);
		if (pa == UACCESS_NO_PAGE)
			return -EXO_EFAULT;
		size_t n = page_chunk(uva, len);
		if (to_user)
			memcpy(kva(pa), kbuf, n);
		else
			memcpy(kbuf, kva(pa), n);
		uva += n, kbuf += n, len -= n;
	}
	return 0;
}

int copy_from_user(uint64_t pml4, void *dst, uint64_t src, size_t len)
{
	return user_copy(pml4, src, dst, len, false, 0);
}

int copy_to_user(uint64_t pml4, uint64_t dst, const void *src, size_t len)
{
	return user_copy(pml4, dst, (uint8_t *)src, len, true, PTE_W);
}

int copy_to_new_user(uint64_t pml4, uint64_t dst, const void *src, size_t len)
{
	return user_copy(pml4, dst, (uint8_t *)src, len, true, 0);
}

int user_writable(uint64_t pml4, uint64_t va, size_t len)
{
	if (!user_range_ok(va, len))
		return -EXO_EFAULT;
	for (uint64_t p = ROUNDDOWN(va, EXO_PAGE_SIZE); p < va + len; p += EXO_PAGE_SIZE)
		if (translate(pml4, p, PTE_W) == UACCESS_NO_PAGE)
			return -EXO_EFAULT;
	return 0;
}

/* Page by page, never touching a byte past the NUL: the rest of the buffer
 * may well be unmapped. */
long strncpy_from_user(uint64_t pml4, char *dst, uint64_t src, size_t max)
{
	size_t done = 0;
	while (done < max) {
		uint64_t pa = translate(pml4, src + done, 0);
		if (pa == UACCESS_NO_PAGE)
			return -EXO_EFAULT;
		const char *s = kva(pa);
		size_t n = page_chunk(src + done, max - done);
		for (size_t i = 0; i < n; i++)
			if (!(dst[done + i] = s[i]))
				return (long)(done + i);
		done += n;
	}
	return (long)max;
}

int user_word(uint64_t pml4, uint64_t va, const volatile uint64_t **out)
{
	if (va & 7)
		return -EXO_EINVAL; /* an aligned word never straddles a page */
	/* The exported pages too (below UVPT): ring 3 reads them as well, and
	 * some change by themselves (the console input ring's header). */
	uint64_t pa = va < EXO_UVPT ? walk(pml4, va, 0) : UACCESS_NO_PAGE;
	if (pa == UACCESS_NO_PAGE)
		return -EXO_EFAULT;
	*out = kva(pa);
	return 0;
}
