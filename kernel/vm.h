/* Page tables of environments. */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <stdbool.h>
#include <stdint.h>

#define VM_NO_PAGE (~0ul)

uint64_t
vm_new_pml4(void); /* an empty user address space sharing the kernel slot; 0 if no memory */
int vm_map_page(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags);
uint64_t *vm_walk(uint64_t pml4, uint64_t va, bool create);
uint64_t vm_user_translate(uint64_t pml4, uint64_t va, bool write);
bool vm_user_range_ok(uint64_t va, uint64_t len);
void vm_free_user(uint64_t pml4); /* frees the user page tables and the pages they map */

#endif
