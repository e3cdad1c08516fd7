/* The one door for user memory: only uaccess.c reads or writes an
 * environment's memory or turns a user address into a physical one.  Every
 * page is checked in the environment's own page tables (present, user,
 * writable for stores) before a byte moves, so a bad pointer gives
 * -EXO_EFAULT, never a kernel fault. */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exo/memlayout.h>

/* A user address: below EXO_USER_TOP, the part of the address space the
 * environment owns.  The exported pages above it (gate, tables, initramfs)
 * are readable by ring 3 but are the kernel's: nothing is ever read from or
 * written to them on a program's behalf, and no register a call sets points
 * there.  The one address beyond it the kernel returns to is the gate's own
 * (trap.c's syscall_from_fault), which only needs to be below the kernel. */
static inline bool user_range_ok(uint64_t va, uint64_t len)
{
	return va + len >= va && va + len <= EXO_USER_TOP;
}

static inline bool user_addr_ok(uint64_t va)
{
	return va < EXO_USER_TOP;
}

int copy_from_user(uint64_t pml4, void *dst, uint64_t src, size_t len);
int copy_to_user(uint64_t pml4, uint64_t dst, const void *src, size_t len);

/* Copies a NUL-terminated string of at most max - 1 characters into dst
 * (max bytes) and returns its length; -EXO_EFAULT for a bad pointer,
 * -EXO_ENAMETOOLONG if no NUL comes within max bytes. */
long strncpy_from_user(uint64_t pml4, char *dst, uint64_t src, size_t max);

/* Where the aligned 64-bit word at va can be read through the direct map, if
 * ring 3 could read it: the environment's own memory or a page the kernel
 * exports to it (memlayout.h's slot 253, e.g. the console input ring's
 * header).  0 and *out, or -EXO_EINVAL (misaligned) or -EXO_EFAULT.  For
 * wakeup predicates, which read it again at every evaluation (another
 * environment or a device changes it): the pointer holds only as long as the
 * mapping, so the caller must drop it when the environment's vm_gen moves
 * (pagetable.h). */
int user_word(uint64_t pml4, uint64_t va, const volatile uint64_t **out);

/* -EXO_EFAULT unless every page of [va, va+len) is mapped writable: for a
 * call that must not act before knowing its result can be delivered. */
int user_writable(uint64_t pml4, uint64_t va, size_t len);

/* The physical address behind user byte va (page present, user, writable
 * if asked), for a device to read or write: UACCESS_NO_PAGE if none. */
#define UACCESS_NO_PAGE (~0ul)
uint64_t user_phys(uint64_t pml4, uint64_t va, bool write);

/* The loader only: writes into pages it has just mapped for a program, even
 * read-only ones (its text).  -EXO_EFAULT if a page is not mapped. */
int copy_to_new_user(uint64_t pml4, uint64_t dst, const void *src, size_t len);

#endif
