/* A compiled packet filter: the code of a `clang -target bpf -c` object, and its
 * parameters (apps/filters/params.h).
 *
 * For the programs that install filters (the libOS, host tools, tests), not for the
 * kernel, which takes instructions. Freestanding; the file buffer need not be aligned. */
#ifndef KLIB_BPF_OBJ_H
#define KLIB_BPF_OBJ_H

#include <stddef.h>
#include <stdint.h>

#include "bpf.h"

enum {
	BPF_OBJ_OK = 0,
	BPF_OBJ_ENOTELF = -1,  /* not an ELF file */
	BPF_OBJ_ETRUNC = -2,   /* a header or section lies past the end of the file */
	BPF_OBJ_EFORMAT = -3,  /* not a 64-bit little-endian relocatable (.o) file */
	BPF_OBJ_EMACHINE = -4, /* not compiled for BPF (clang -target bpf) */
	BPF_OBJ_ENOCODE = -5,  /* no such section, or an empty one */
	BPF_OBJ_ESIZE = -6,    /* the section's size is not a multiple of 8 bytes */
	BPF_OBJ_ERELOC = -7,   /* the code has relocations: it uses maps, globals or calls */
};
#define BPF_OBJ_NERRORS 8

/* Finds the code section `section` (".text" if NULL) of the ELF object file[0..len):
 * its instructions are the *count at file + *offset. Refuses code with relocations,
 * which would reference maps, global variables or other functions that a filter cannot
 * have. Whether the code is a valid filter is bpf_verify's question. */
int bpf_obj_code(const void *file, size_t len, const char *section, size_t *offset, size_t *count);

/* Replaces the immediate placeholder with value in every instruction of p[0..n) that
 * takes placeholder as its constant operand (ALU and conditional-jump immediates,
 * stores of immediates, either half of an LDDW). Returns how many it replaced, which
 * the caller should check: 0 means the compiler did not keep the placeholder whole. */
size_t bpf_obj_patch(struct bpf_insn *p, size_t n, int32_t placeholder, int32_t value);

const char *bpf_obj_strerror(int err);

#endif
