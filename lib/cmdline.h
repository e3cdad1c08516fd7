/* Kernel command line parsing: words separated by spaces, tabs or newlines; a word
 * is KEY or KEY=VALUE. No quoting (unlike Linux, '"' is an ordinary character).
 *
 * The input need not be NUL-terminated: every function takes a length. A NUL byte
 * before that length ends the command line, so passing the size of a buffer that
 * holds a C string also works. Nothing reads outside [cmdline, cmdline+len). */
#ifndef KLIB_CMDLINE_H
#define KLIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cmdline_word {
	const char *key; /* points into the command line, not NUL-terminated */
	size_t keylen;
	const char *value; /* after the first '=', may contain '='; NULL if !has_value */
	size_t vlen;
	bool has_value; /* "key=" has a value of length 0; "key" has none */
};

/* Reads the word at or after *pos and advances *pos past it; false at the end.
 * Start with *pos = 0. */
bool cmdline_next(const char *cmdline, size_t len, size_t *pos, struct cmdline_word *w);

/* Finds KEY or KEY=...; key is NUL-terminated. The LAST occurrence wins, as on Linux. */
bool cmdline_find(const char *cmdline, size_t len, const char *key, struct cmdline_word *w);

/* One pass for many keys: keys[i] (NUL-terminated) gets found[i], its LAST
 * occurrence as with cmdline_find, or keylen 0 if absent.  Returns where the
 * command line ends (its first NUL, or len).  A boot that looked up each key
 * with cmdline_find paid a pass per key, ~12K instructions that cost ~25 ms
 * where ring 0 is emulated (kernel/main.c). */
size_t cmdline_scan(const char *cmdline, size_t len, const char *const *keys, size_t nkeys,
                    struct cmdline_word *found);

/* s[0..n): decimal or 0x-hex, then an optional K/M/G suffix (either case, binary units).
 * 0 ok, -1 if empty, garbage or overflowing 64 bits (*out then unchanged). */
int cmdline_parse_u64(const char *s, size_t n, uint64_t *out);

/* Value of a "virtio_mmio.device=<size>@<base>:<irq>[:<id>]" word, as QEMU/Linux write
 * it, e.g. "512@0xfeb00000:12". size accepts a K/M/G suffix, base doesn't; a trailing
 * Linux platform-device id is accepted and ignored. 0 ok, -1 malformed (including size
 * 0, base+size overflowing, irq above 2^32-1). Outputs unchanged on failure. */
int cmdline_parse_virtio_mmio(const char *v, size_t n, uint64_t *size, uint64_t *base,
                              uint32_t *irq);

#endif
