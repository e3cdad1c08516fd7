#include <exo/errno.h>
#include <exo/memlayout.h>

#include "arch.h"
#include "kernel.h"
#include "kstring.h"
#include "uaccess.h"
#include "pagetable.h"

/* Walks [uva, uva+len) page by page through the direct map. */
static int user_copy(uint64_t pml4, uint64_t uva, uint8_t *kbuf, size_t len, bool to_user)
{
	if (!vm_user_range_ok(uva, len))
		return -EXO_EFAULT;
	while (len) {
		uint64_t pa = vm_user_translate(pml4, uva, to_user);
		if (pa == VM_NO_PAGE)
			return -EXO_EFAULT;
		size_t n = EXO_PAGE_SIZE - (uva & (EXO_PAGE_SIZE - 1));
		if (n > len)
			n = len;
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
	return user_copy(pml4, src, dst, len, false);
}

int copy_to_user(uint64_t pml4, uint64_t dst, const void *src, size_t len)
{
	return user_copy(pml4, dst, (uint8_t *)src, len, true);
}
