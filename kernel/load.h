/* Loading a program into an environment. */
#ifndef KERNEL_LOAD_H
#define KERNEL_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "env.h"

/* Loads the ELF, maps a bare stack (EXO_USTACK_PAGES zeroed pages below
 * EXO_USTACK_TOP) and points e's registers at the entry.  Returns 0, or an
 * exosim exit status (EXOSIM_EXIT_BADELF, EXOSIM_EXIT_NOMEM) after printing
 * why. */
int load_program(struct env *e, const char *path, const uint8_t *file, size_t len);

#endif
