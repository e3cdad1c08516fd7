/* The first environment's argv and environment, as exosim packs them in the
 * initramfs: exosim/argv and exosim/envp, NUL-separated (docs/boot.md,
 * <hw/initramfs.h>).  start.c builds main's argv from them; ExOS builds a
 * Linux program's stack from them directly. */
#ifndef EXOS_ARGS_H
#define EXOS_ARGS_H

#include <stddef.h>
#include <stdint.h>

struct exos_strlist {
	const char *data; /* in the read-only initramfs */
	size_t len;
	size_t count; /* strings; the last one may lack its NUL */
};

/* The list at path in the initramfs; empty if there is none. */
struct exos_strlist exos_boot_strings(const char *path);

/* The bytes the strings take with every NUL, a missing last one included. */
size_t exos_strlist_bytes(const struct exos_strlist *l);

/* The length of the longest string, without its NUL. */
size_t exos_strlist_longest(const struct exos_strlist *l);

/* Copies the strings to dst (exos_strlist_bytes of room), each with its NUL,
 * and stores the address of each copy in vec[0 .. count-1]. */
void exos_strlist_copy(const struct exos_strlist *l, char *dst, uint64_t *vec);

#endif
