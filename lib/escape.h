/* Showing bytes that came from outside (names in an archive, paths) on a
 * terminal.
 *
 * Pure and freestanding: the kernel, exosim and ExOS print archive names through
 * it, so a name can never send a control sequence to the user's terminal, and a
 * name that shows the same was the same.  Printable ASCII (0x20..0x7e) passes,
 * except the backslash; every other byte becomes \xNN (lowercase hex). */
#ifndef KLIB_ESCAPE_H
#define KLIB_ESCAPE_H

#include <stddef.h>

/* Room for n bytes escaped whole, with the NUL. */
#define ESCAPE_SIZE(n) (4 * (n) + 1)

/* Writes s[0..n) escaped into out (cap >= 4 bytes), always NUL-terminated.  A
 * result that does not fit ends with "..." after the last whole escape that
 * does.  Returns out, for use as a printf argument. */
const char *escape_bytes(char *out, size_t cap, const void *s, size_t n);

/* The same for a NUL-terminated string. */
const char *escape_str(char *out, size_t cap, const char *s);

#endif
