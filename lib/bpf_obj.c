/* Compiled packet filters. See bpf_obj.h.
 *
 * Our own copies of the ELF structs, read with memcpy: the code is freestanding and the
 * buffer may be unaligned. */
#include "bpf_obj.h"
#include "elf64.h"

#include <stdbool.h>

#include "kstring.h"

#define ET_REL   1
#define EM_BPF   247
#define SHT_RELA 4
#define SHT_REL  9

struct shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr layout");
_Static_assert(sizeof(struct shdr) == 64, "Elf64_Shdr layout");

static int read_ehdr(const uint8_t *f, size_t len, struct elf64_ehdr *eh)
{
	static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};

	if (len < 4 || memcmp(f, magic, 4) != 0)
		return BPF_OBJ_ENOTELF;
	if (len < sizeof(*eh))
		return BPF_OBJ_ETRUNC;
	memcpy(eh, f, sizeof(*eh));
	if (eh->ident[4] != 2 || eh->ident[5] != 1 || eh->type != ET_REL)
		return BPF_OBJ_EFORMAT;
	if (eh->machine != EM_BPF)
		return BPF_OBJ_EMACHINE;
	if (eh->shentsize != sizeof(struct shdr) || eh->shoff > len ||
	    (uint64_t)eh->shnum * sizeof(struct shdr) > len - eh->shoff ||
	    eh->shstrndx >= eh->shnum)
		return BPF_OBJ_ETRUNC;
	return BPF_OBJ_OK;
}

static void read_shdr(const uint8_t *f, const struct elf64_ehdr *eh, size_t i, struct shdr *sh)
{
	memcpy(sh, f + eh->shoff + i * sizeof(*sh), sizeof(*sh));
}

/* Whether section sh's name in the string table strtab is name. */
static bool name_is(const uint8_t *f, size_t len, const struct shdr *strtab, const struct shdr *sh,
                    const char *name)
{
	size_t n = strlen(name);

	if (strtab->offset > len || strtab->size > len - strtab->offset ||
	    sh->name >= strtab->size || strtab->size - sh->name < n + 1)
		return false;
	const uint8_t *s = f + strtab->offset + sh->name;
	return memcmp(s, name, n) == 0 && s[n] == '\0';
}

int bpf_obj_code(const void *file, size_t len, const char *section, size_t *offset, size_t *count)
{
	const uint8_t *f = file;
	struct elf64_ehdr eh;
	struct shdr strtab, sh, code;
	size_t found = 0;

	int err = read_ehdr(f, len, &eh);
	if (err)
		return err;
	read_shdr(f, &eh, eh.shstrndx, &strtab);
	for (size_t i = 1; i < eh.shnum && !found; i++) {
		read_shdr(f, &eh, i, &sh);
		if (name_is(f, len, &strtab, &sh, section ? section : ".text"))
			found = i, code = sh;
	}
	if (!found || code.size == 0)
		return BPF_OBJ_ENOCODE;
	if (code.offset > len || code.size > len - code.offset)
		return BPF_OBJ_ETRUNC;
	if (code.size % sizeof(struct bpf_insn) != 0)
		return BPF_OBJ_ESIZE;
	for (size_t i = 1; i < eh.shnum; i++) {
		read_shdr(f, &eh, i, &sh);
		if ((sh.type == SHT_REL || sh.type == SHT_RELA) && sh.info == found && sh.size)
			return BPF_OBJ_ERELOC;
	}
	*offset = code.offset;
	*count = code.size / sizeof(struct bpf_insn);
	return BPF_OBJ_OK;
}

/* Whether p[i]'s imm is a constant operand (not a jump offset, swap width or zero). */
static bool takes_imm(const struct bpf_insn *in)
{
	switch (BPF_CLASS(in->code)) {
	case BPF_LD:
	case BPF_ST:
		return true;
	case BPF_ALU:
	case BPF_ALU64:
		return BPF_SRC(in->code) == BPF_K && BPF_OP(in->code) != BPF_END;
	case BPF_JMP:
	case BPF_JMP32:
		return BPF_SRC(in->code) == BPF_K && BPF_OP(in->code) != BPF_JA &&
		       BPF_OP(in->code) != BPF_CALL && BPF_OP(in->code) != BPF_EXIT;
	default:
		return false;
	}
}

size_t bpf_obj_patch(struct bpf_insn *p, size_t n, int32_t placeholder, int32_t value)
{
	size_t done = 0;

	for (size_t i = 0; i < n; i++) {
		bool lddw = p[i].code == (BPF_LD | BPF_IMM | BPF_DW) && i + 1 < n;
		if (takes_imm(&p[i]) && p[i].imm == placeholder)
			p[i].imm = value, done++;
		if (lddw && p[i + 1].imm == placeholder)
			p[i + 1].imm = value, done++;
		i += lddw;
	}
	return done;
}

static const char *const messages[BPF_OBJ_NERRORS] = {
        [-BPF_OBJ_OK] = "ok",
        [-BPF_OBJ_ENOTELF] = "not an ELF file",
        [-BPF_OBJ_ETRUNC] = "truncated or malformed ELF file",
        [-BPF_OBJ_EFORMAT] = "not a 64-bit little-endian relocatable object (.o)",
        [-BPF_OBJ_EMACHINE] = "not a BPF object (compile with clang -target bpf)",
        [-BPF_OBJ_ENOCODE] = "no code in the section (write the filter as a plain "
                             "function, in .text)",
        [-BPF_OBJ_ESIZE] = "the code section is not a whole number of instructions",
        [-BPF_OBJ_ERELOC] = "the code has relocations: filters cannot use maps, global "
                            "variables or calls",
};

const char *bpf_obj_strerror(int err)
{
	if (err > 0 || err <= -BPF_OBJ_NERRORS)
		return "unknown error";
	return messages[-err];
}
