/* Program ELF validation. See elf64.h.
 *
 * Headers are copied out of the file with memcpy (the buffer may be unaligned) into
 * our own copies of the ELF structs: this code is freestanding, without <elf.h>. */
#include "elf64.h"

#include <stdbool.h>

#include "kstring.h"

#define PAGE_MASK 0xfffull

#define ET_EXEC      2
#define ET_DYN       3
#define EM_X86_64    62
#define PT_LOAD      1
#define PT_INTERP    3
#define PT_NOTE      4
#define PT_TLS       7
#define PT_GNU_STACK 0x6474e551u
#define PN_XNUM      0xffff

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr layout");
_Static_assert(sizeof(struct phdr) == 56, "Elf64_Phdr layout");

/* The file header: identity, machine, type and a program header table in the file. */
static int check_ehdr(const uint8_t *f, size_t len, struct elf64_ehdr *eh)
{
	static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};

	/* A short file that doesn't even start like an ELF is "not an ELF". */
	if (memcmp(f, magic, len < 4 ? len : 4) != 0)
		return ELF64_ENOTELF;
	if (len < sizeof(*eh))
		return ELF64_ETRUNC;
	__builtin_memcpy(eh, f, sizeof(*eh));
	if (eh->ident[4] == 1)
		return ELF64_ECLASS32;
	if (eh->ident[4] != 2)
		return ELF64_ENOTELF;
	if (eh->ident[5] != 1)
		return ELF64_EENDIAN;
	if (eh->machine != EM_X86_64)
		return ELF64_EMACHINE;
	if (eh->type != ET_EXEC && eh->type != ET_DYN)
		return ELF64_ETYPE;
	if (eh->phnum == 0)
		return ELF64_ENOLOAD;
	/* PN_XNUM means the real count is in a section header: not supported. */
	if (eh->phentsize != sizeof(struct phdr) || eh->phnum == PN_XNUM || eh->phoff > len ||
	    (size_t)eh->phnum * sizeof(struct phdr) > len - eh->phoff)
		return ELF64_EPHDR;
	return ELF64_OK;
}

/* Checks one PT_LOAD against the file and the loads seen so far, and records it. */
static int add_load(struct elf64_image *img, const struct phdr *ph, size_t len, uint64_t user_top)
{
	uint64_t vaddr, end;

	if (ph->filesz > ph->memsz || ph->offset > len || ph->filesz > len - ph->offset)
		return ELF64_ESEGMENT;
	/* The loader relies on vaddr == offset modulo the alignment (checked before the
	 * bias, which is page-aligned, as the linker wrote it). */
	if (ph->align > 1 && ((ph->align & (ph->align - 1)) != 0 ||
	                      ((ph->vaddr ^ ph->offset) & (ph->align - 1)) != 0))
		return ELF64_ESEGMENT;
	if (ph->vaddr > UINT64_MAX - img->bias)
		return ELF64_ESEGMENT;
	vaddr = ph->vaddr + img->bias;
	if (ph->memsz > UINT64_MAX - vaddr)
		return ELF64_ESEGMENT;
	if (ph->memsz == 0)
		return ELF64_OK;
	end = vaddr + ph->memsz;
	/* Page 0 stays unmapped so that null pointer dereferences fault. */
	if (vaddr <= PAGE_MASK)
		return ELF64_ESEGMENT;
	if (end > user_top || end > UINT64_MAX - PAGE_MASK)
		return ELF64_EKERNEL;
	/* Byte ranges only: segments sharing a page without sharing bytes are normal. */
	for (size_t i = 0; i < img->nloads; i++)
		if (vaddr < img->load[i].vaddr + img->load[i].memsz && img->load[i].vaddr < end)
			return ELF64_EOVERLAP;
	if (img->nloads == ELF64_MAX_LOADS)
		return ELF64_ETOOMANY;
	img->load[img->nloads++] =
	        (struct elf64_load){vaddr, ph->memsz, ph->offset, ph->filesz, ph->flags};
	if (img->nloads == 1 || vaddr < img->lo)
		img->lo = vaddr & ~PAGE_MASK;
	if (end > img->hi)
		img->hi = (end + PAGE_MASK) & ~PAGE_MASK;
	return ELF64_OK;
}

static int set_tls(struct elf64_image *img, const struct phdr *ph, bool *seen)
{
	if (*seen || ph->filesz > ph->memsz || (ph->align & (ph->align - 1)) != 0 ||
	    ph->vaddr > UINT64_MAX - img->bias || ph->memsz > UINT64_MAX - ph->vaddr - img->bias)
		return ELF64_ESEGMENT;
	*seen = true;
	img->tls_vaddr = ph->vaddr + img->bias;
	img->tls_memsz = ph->memsz;
	img->tls_filesz = ph->filesz;
	img->tls_align = ph->align;
	return ELF64_OK;
}

/* Whether a PT_NOTE holds the ExOS-native note (elf64.h).  Malformed notes are
 * just not that note: notes are advisory. */
static bool has_native_note(const uint8_t *f, size_t len, const struct phdr *ph)
{
	if (ph->offset > len || ph->filesz > len - ph->offset)
		return false;
	const uint8_t *p = f + ph->offset, *end = p + ph->filesz;
	while (end - p >= 12) {
		uint32_t w[3];
		__builtin_memcpy(w, p, sizeof(w));
		uint64_t name = (w[0] + 3ull) & ~3ull, desc = (w[1] + 3ull) & ~3ull;
		if (name > (uint64_t)(end - p - 12) || desc > (uint64_t)(end - p - 12) - name)
			return false;
		if (w[0] == sizeof(ELF64_NOTE_EXOS) && w[2] == ELF64_NOTE_EXOS_NATIVE &&
		    __builtin_memcmp(p + 12, ELF64_NOTE_EXOS, sizeof(ELF64_NOTE_EXOS)) == 0)
			return true;
		p += 12 + name + desc;
	}
	return false;
}

/* One pass over the program headers. The first error is kept, but PT_INTERP wins over
 * everything: "link with -static" is the useful message for a dynamic program. */
static int scan_phdrs(const uint8_t *f, size_t len, const struct elf64_ehdr *eh, uint64_t user_top,
                      struct elf64_image *img)
{
	bool interp = false, tls = false;
	int err = ELF64_OK;

	for (size_t i = 0; i < eh->phnum; i++) {
		struct phdr ph;
		int e = ELF64_OK;

		__builtin_memcpy(&ph, f + eh->phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type == PT_LOAD)
			e = add_load(img, &ph, len, user_top);
		else if (ph.type == PT_INTERP)
			interp = true;
		else if (ph.type == PT_TLS)
			e = set_tls(img, &ph, &tls);
		else if (ph.type == PT_GNU_STACK)
			img->stack_flags = ph.flags;
		else if (ph.type == PT_NOTE && has_native_note(f, len, &ph))
			img->exos_native = true;
		if (err == ELF64_OK)
			err = e;
	}
	return interp ? ELF64_EDYNAMIC : err;
}

/* The PT_LOAD whose file-backed bytes hold [vaddr, vaddr+size), or NULL. */
static const struct elf64_load *file_backed(const struct elf64_image *img, uint64_t vaddr,
                                            uint64_t size)
{
	for (size_t i = 0; i < img->nloads; i++) {
		const struct elf64_load *l = &img->load[i];

		if (vaddr >= l->vaddr && vaddr - l->vaddr <= l->filesz &&
		    size <= l->filesz - (vaddr - l->vaddr))
			return l;
	}
	return NULL;
}

/* AT_PHDR: where the program header table appears in memory, if it is loaded. */
static uint64_t phdr_vaddr(const struct elf64_image *img, uint64_t phoff)
{
	uint64_t size = (uint64_t)img->phnum * sizeof(struct phdr);

	for (size_t i = 0; i < img->nloads; i++) {
		const struct elf64_load *l = &img->load[i];

		if (phoff >= l->offset && phoff - l->offset <= l->filesz &&
		    size <= l->filesz - (phoff - l->offset))
			return l->vaddr + (phoff - l->offset);
	}
	return 0;
}

static bool entry_ok(const struct elf64_image *img)
{
	for (size_t i = 0; i < img->nloads; i++) {
		const struct elf64_load *l = &img->load[i];

		if ((l->flags & ELF64_PF_X) && img->entry >= l->vaddr &&
		    img->entry - l->vaddr < l->memsz)
			return true;
	}
	return false;
}

int elf64_parse(const void *file, size_t len, uint64_t load_bias, uint64_t user_top,
                struct elf64_image *img)
{
	const uint8_t *f = file;
	struct elf64_ehdr eh;
	int err;

	memset(img, 0, sizeof(*img));
	err = check_ehdr(f, len, &eh);
	if (err != ELF64_OK)
		return err;
	img->type = eh.type;
	img->bias = eh.type == ET_DYN ? load_bias : 0;
	img->phnum = eh.phnum;
	img->phentsize = eh.phentsize;
	if ((img->bias & PAGE_MASK) != 0)
		return ELF64_ESEGMENT;

	err = scan_phdrs(f, len, &eh, user_top, img);
	if (err != ELF64_OK)
		return err;
	if (img->nloads == 0)
		return ELF64_ENOLOAD;
	if (img->tls_filesz != 0 && !file_backed(img, img->tls_vaddr, img->tls_filesz))
		return ELF64_ESEGMENT;
	if (eh.entry > UINT64_MAX - img->bias)
		return ELF64_EENTRY;
	img->entry = eh.entry + img->bias;
	if (!entry_ok(img))
		return ELF64_EENTRY;
	img->phdr_vaddr = phdr_vaddr(img, eh.phoff);
	return ELF64_OK;
}

const char *elf64_strerror(int err)
{
	switch (err) {
	case ELF64_OK:
		return "valid x86-64 executable";
	case ELF64_ETRUNC:
		return "file is too short to be an ELF executable";
	case ELF64_ENOTELF:
		return "not an ELF file";
	case ELF64_ECLASS32:
		return "this is a 32-bit ELF: only x86-64 (64-bit) programs are supported";
	case ELF64_EENDIAN:
		return "big-endian ELF: only x86-64 (little-endian) programs are supported";
	case ELF64_EMACHINE:
		return "ELF is not for x86-64: only x86-64 programs are supported";
	case ELF64_ETYPE:
		return "ELF is not an executable (neither ET_EXEC nor static-pie ET_DYN)";
	case ELF64_EDYNAMIC:
		return "dynamic executables are not supported yet: link with -static";
	case ELF64_EPHDR:
		return "bad ELF program header table (size, count or offset)";
	case ELF64_ESEGMENT:
		return "bad ELF segment (sizes, file offset, alignment, or maps page 0)";
	case ELF64_EKERNEL:
		return "ELF segment reaches into the kernel's part of the address space";
	case ELF64_EOVERLAP:
		return "ELF PT_LOAD segments overlap";
	case ELF64_ENOLOAD:
		return "ELF has no PT_LOAD segment";
	case ELF64_EENTRY:
		return "ELF entry point is not inside an executable segment";
	case ELF64_ETOOMANY:
		return "ELF has too many PT_LOAD segments";
	default:
		return "unknown ELF error";
	}
}
