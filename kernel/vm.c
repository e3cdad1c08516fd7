/* Four-level x86-64 page tables for environments.  The kernel slot (PML4 entry
 * 255) is shared by every address space and is supervisor-only. */
#include <exo/errno.h>
#include <exo/memlayout.h>

#include "arch.h"
#include "kernel.h"
#include "pmem.h"
#include "vm.h"
#include "x86.h"

extern uint64_t boot_pml4[512];

#define KERNEL_SLOT         255
#define PT_INDEX(va, level) (((va) >> (12 + 9 * (level))) & 511)

uint64_t vm_new_pml4(void)
{
	uint64_t pa = page_alloc();
	if (pa)
		((uint64_t *)kva(pa))[KERNEL_SLOT] = boot_pml4[KERNEL_SLOT];
	return pa;
}

/* The leaf PTE for va, creating intermediate tables when asked.  Intermediate
 * entries allow everything; the leaf decides. */
uint64_t *vm_walk(uint64_t pml4, uint64_t va, bool create)
{
	uint64_t *table = kva(pml4);
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &table[PT_INDEX(va, level)];
		if (!(*e & PTE_P)) {
			uint64_t pa = create ? page_alloc() : 0;
			if (!pa)
				return 0;
			*e = pa | PTE_P | PTE_W | PTE_U;
		} else if (*e & PTE_PS) {
			return 0; /* large pages belong to the kernel slot only */
		}
		table = kva(*e & PTE_ADDR_MASK);
	}
	return &table[PT_INDEX(va, 0)];
}

int vm_map_page(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags)
{
	if (va >= EXO_KERNBASE)
		return -EXO_EINVAL;
	uint64_t *pte = vm_walk(pml4, va, true);
	if (!pte)
		return -EXO_ENOMEM;
	*pte = pa | flags | PTE_P;
	return 0;
}

bool vm_user_range_ok(uint64_t va, uint64_t len)
{
	return va + len >= va && va + len <= EXO_USER_TOP;
}

/* Physical address behind a user virtual address, or VM_NO_PAGE unless it is
 * mapped present, user-accessible (and writable, if asked) at every level. */
uint64_t vm_user_translate(uint64_t pml4, uint64_t va, bool write)
{
	if (va >= EXO_USER_TOP)
		return VM_NO_PAGE;
	uint64_t need = PTE_P | PTE_U | (write ? PTE_W : 0);
	uint64_t *table = kva(pml4);
	for (int level = 3; level >= 0; level--) {
		uint64_t e = table[PT_INDEX(va, level)];
		if ((e & need) != need || (level && (e & PTE_PS)))
			return VM_NO_PAGE;
		if (!level)
			return (e & PTE_ADDR_MASK) | (va & (EXO_PAGE_SIZE - 1));
		table = kva(e & PTE_ADDR_MASK);
	}
	return VM_NO_PAGE;
}

static void free_table(uint64_t pa, int level, bool free_leaves)
{
	uint64_t *t = kva(pa);
	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		if (level)
			free_table(t[i] & PTE_ADDR_MASK, level - 1, free_leaves);
		else if (free_leaves)
			page_free(t[i] & PTE_ADDR_MASK);
	}
	page_free(pa);
}

void vm_free_user(uint64_t pml4)
{
	uint64_t *t = kva(pml4);
	/* The exported slot maps kernel-owned pages (gate, info): free only its tables. */
	int export_slot = PT_INDEX(EXO_UEXPORT, 3);
	for (int i = 0; i < KERNEL_SLOT; i++)
		if (t[i] & PTE_P)
			free_table(t[i] & PTE_ADDR_MASK, 2, i < export_slot);
	page_free(pml4);
}
