/* Validation of a program ELF (x86-64, static, ET_EXEC or static-pie ET_DYN).
 *
 * Used by the kernel to load programs and by the host VMM to reject bad programs early
 * with a clear message. Pure and freestanding; the file buffer need not be aligned. */
#ifndef KLIB_ELF64_H
#define KLIB_ELF64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF64_MAX_LOADS 16

/* The ELF64 file header as it lies in the file (Elf64_Ehdr), for the readers
 * here and in bpf_obj.c; copied out with memcpy, the buffer being unaligned. */
struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

/* p_flags bits */
#define ELF64_PF_X 1u
#define ELF64_PF_W 2u
#define ELF64_PF_R 4u

struct elf64_load {
	uint64_t vaddr, memsz, offset, filesz; /* vaddr already includes the bias */
	uint32_t flags;                        /* PF_X 1, PF_W 2, PF_R 4 */
};

struct elf64_image {
	uint64_t entry;      /* bias included */
	uint16_t type;       /* 2 = ET_EXEC, 3 = ET_DYN (static-pie) */
	uint64_t bias;       /* 0 for ET_EXEC */
	uint64_t phdr_vaddr; /* address of the program headers in memory (for ELF64_AT_PHDR), 0 if
	                        not inside a PT_LOAD's file-backed bytes */
	uint16_t phnum, phentsize;
	size_t nloads; /* PT_LOADs with p_memsz > 0, in file order */
	struct elf64_load load[ELF64_MAX_LOADS];
	uint64_t lo, hi; /* lowest vaddr and highest vaddr+memsz of all loads, rounded to
	                    pages (lo down, hi up) */
	uint64_t tls_vaddr, tls_memsz, tls_filesz, tls_align; /* PT_TLS (bias included),
	                                                          zeros if none */
	uint64_t stack_flags;                                 /* PT_GNU_STACK p_flags, 0 if none */
	bool exos_native; /* has the ExOS-native note: runs directly on the exokernel */
};

/* The note (in a PT_NOTE) that marks a program linked with the libOS runtime
 * (libos/crt0.S), which the kernel runs directly; a program without it is a
 * Linux program, run by ExOS.  Name "ExOS", type 1, descriptor: ABI version. */
#define ELF64_NOTE_EXOS        "ExOS"
#define ELF64_NOTE_EXOS_NATIVE 1

/* Auxiliary vector tags (Linux's elf.h), for the initial stack that the
 * kernel (kernel/load.c) and ExOS (libos/linux/main.c) build. */
enum {
	ELF64_AT_NULL = 0,
	ELF64_AT_PHDR = 3,
	ELF64_AT_PHENT = 4,
	ELF64_AT_PHNUM = 5,
	ELF64_AT_PAGESZ = 6,
	ELF64_AT_BASE = 7,
	ELF64_AT_FLAGS = 8,
	ELF64_AT_ENTRY = 9,
	ELF64_AT_UID = 11,
	ELF64_AT_EUID = 12,
	ELF64_AT_GID = 13,
	ELF64_AT_EGID = 14,
	ELF64_AT_PLATFORM = 15,
	ELF64_AT_HWCAP = 16,
	ELF64_AT_CLKTCK = 17,
	ELF64_AT_SECURE = 23,
	ELF64_AT_RANDOM = 25,
	ELF64_AT_HWCAP2 = 26,
	ELF64_AT_EXECFN = 31,
};

enum {
	ELF64_OK = 0,
	ELF64_ETRUNC = -1,
	ELF64_ENOTELF = -2,
	ELF64_ECLASS32 = -3,
	ELF64_EENDIAN = -4,
	ELF64_EMACHINE = -5,
	ELF64_ETYPE = -6,
	ELF64_EDYNAMIC = -7,
	ELF64_EPHDR = -8,
	ELF64_ESEGMENT = -9,
	ELF64_EKERNEL = -10,
	ELF64_EOVERLAP = -11,
	ELF64_ENOLOAD = -12,
	ELF64_EENTRY = -13,
	ELF64_ETOOMANY = -14,
};

/* Validates file[0..len) and fills *img (zeroed first; only meaningful on ELF64_OK).
 *
 * load_bias is added to an ET_DYN file's addresses (ignored for ET_EXEC); it must be a
 * multiple of 4096, else ELF64_ESEGMENT. Every PT_LOAD must end at or below user_top
 * (else ELF64_EKERNEL) and must not touch page 0 ([0, 4096)), so that null pointers
 * fault: such a segment is ELF64_ESEGMENT (a static-pie linked at 0 therefore needs a
 * non-zero load_bias). PT_LOADs with p_memsz == 0 are checked but otherwise ignored.
 *
 * A PT_INTERP anywhere gives ELF64_EDYNAMIC, even if other segments are also bad.
 * Otherwise the first error in the order of the checks wins. PT_TLS must have
 * filesz <= memsz, a power-of-two (or 0) alignment, and its initialisation image must
 * lie inside the file-backed part of one PT_LOAD (else ELF64_ESEGMENT). */
int elf64_parse(const void *file, size_t len, uint64_t load_bias, uint64_t user_top,
                struct elf64_image *img);

/* One message per code, for users: says what is wrong with their program. */
const char *elf64_strerror(int err);

#endif
