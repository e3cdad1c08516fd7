/* Loading a program into an environment. */
#ifndef KERNEL_LOAD_H
#define KERNEL_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "env.h"

/* NUL-separated strings, as in the initramfs's exosim/argv and exosim/envp. */
struct strlist {
	const char *data;
	size_t len;
};

/* Loads the ELF, maps a stack laid out as Linux does and the kernel's exported
 * pages, and points e's registers at the entry.  Returns 0, or an exosim exit
 * status (EXOSIM_EXIT_BADELF, EXOSIM_EXIT_NOMEM) after printing why. */
int load_program(struct env *e, const char *path, const uint8_t *file, size_t len,
                 struct strlist argv, struct strlist envp);

#endif
