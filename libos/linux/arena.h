/* An allocator over one block of memory the caller gives: small objects in
 * size classes, larger ones as runs of whole pages.  ExOS keeps state that
 * outlives a system call in arenas (the /tmp file system's names and file
 * data), so a full arena is the file system's ENOSPC, never a crash.
 *
 * Pure, freestanding C: pointers inside the block only, no locking (the
 * caller's), so an arena in memory mapped at the same address in several
 * address spaces serves them all, and host unit tests run it unchanged. */
#ifndef EXOS_LINUX_ARENA_H
#define EXOS_LINUX_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARENA_PAGE      4096u
#define ARENA_SMALL_MAX 2048u /* larger requests take whole pages */
#define ARENA_NCLASSES  8     /* 16, 32, ... 2048 bytes */

struct arena {
	uint8_t *pages;             /* npages pages, page aligned */
	uint64_t *bitmap;           /* a bit per page: in use */
	uint64_t npages;            /* pages it manages */
	uint64_t used;              /* pages in use (small-object pages included) */
	uint64_t hint;              /* where the next search for free pages starts */
	void *free[ARENA_NCLASSES]; /* free small objects, by class */
	/* The next never-used object of the page being carved, by class (0:
	 * none): a fresh page is handed out an object at a time and not written
	 * before, so a caller that maps the memory it uses (the shared region,
	 * shared.c) need not have mapped the whole page first. */
	uint8_t *carve[ARENA_NCLASSES];
};

/* An arena over mem[0..bytes): its bitmap is taken from the start, the
 * pages from what follows.  Returns the pages it manages (0: too small). */
uint64_t arena_init(struct arena *a, void *mem, size_t bytes);

/* An upper bound of what arena_init(bytes) uses of the block's start for
 * its bitmap (the pages follow it). */
size_t arena_meta_bytes(size_t bytes);

/* size bytes, 16-byte aligned (page aligned above ARENA_SMALL_MAX), or NULL
 * when the arena is full or size is 0. */
void *arena_alloc(struct arena *a, size_t size);

/* Frees p, which arena_alloc(a, size) returned, with that same size. */
void arena_free(struct arena *a, void *p, size_t size);

/* Grows a page-run allocation p of `size` bytes to `bigger` bytes where it is,
 * if the pages after it are free (both sizes above ARENA_SMALL_MAX).  Returns
 * whether it did; p then counts as an allocation of `bigger`. */
bool arena_extend(struct arena *a, void *p, size_t size, size_t bigger);

/* What arena_alloc(size) takes: its class's size or whole pages. */
size_t arena_size_of(size_t size);

#endif
