/* Copying to and from an environment's memory.  Every page is checked in the
 * environment's own page tables (present, user, writable for stores) before a
 * byte moves, so a bad pointer gives -EXO_EFAULT, never a kernel fault. */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <stddef.h>
#include <stdint.h>

int copy_from_user(uint64_t pml4, void *dst, uint64_t src, size_t len);
int copy_to_user(uint64_t pml4, uint64_t dst, const void *src, size_t len);

#endif
