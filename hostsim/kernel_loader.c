/* The kernel is an ELF64 with a Xen PVH note; it is read with libelf and its
 * segments placed at their physical addresses, as QEMU and Firecracker do. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

#include <hw/pvh.h>

#include "fail.h"
#include "host_file.h"
#include "kernel_loader.h"

static uint64_t note_entry(const char *path, Elf *elf, const GElf_Phdr *ph)
{
	Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	if (!d)
		fail(EXOSIM_EXIT_BADELF, "%s: bad PT_NOTE segment", path);
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off;
	while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)d->d_buf + name_off;
		if (nh.n_type != XEN_ELFNOTE_PHYS32_ENTRY || nh.n_namesz != 4 ||
		    memcmp(name, "Xen", 4) != 0)
			continue;
		const uint8_t *desc = (const uint8_t *)d->d_buf + desc_off;
		if (nh.n_descsz == 4) {
			uint32_t v;
			memcpy(&v, desc, 4);
			return v;
		}
		if (nh.n_descsz == 8) {
			uint64_t v;
			memcpy(&v, desc, 8);
			return v;
		}
		fail(EXOSIM_EXIT_BADELF, "%s: PVH entry note has a %u-byte descriptor", path,
		     nh.n_descsz);
	}
	return 0;
}

static void load_segment(const char *path, int fd, struct guest_mem *mem, const GElf_Phdr *ph,
                         struct kernel_image *img)
{
	if (ph->p_filesz > ph->p_memsz)
		fail(EXOSIM_EXIT_BADELF, "%s: a segment's file size exceeds its memory size", path);
	uint8_t *dst = gpa_ptr(mem, ph->p_paddr, ph->p_memsz);
	if (!dst)
		fail(EXOSIM_EXIT_NOMEM,
		     "%s: segment at physical 0x%llx (0x%llx bytes) does not fit in guest memory",
		     path, (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz);
	ssize_t n = pread(fd, dst, ph->p_filesz, (off_t)ph->p_offset);
	if (n < 0 || (uint64_t)n != ph->p_filesz)
		fail(EXOSIM_EXIT_BADELF, "%s: truncated segment", path);
	/* The rest (.bss) is left alone: guest RAM is fresh anonymous memory, already
	 * zero, and touching it would fault in every page of it for nothing. */
	if (!img->hi || ph->p_paddr < img->lo)
		img->lo = ph->p_paddr;
	if (ph->p_paddr + ph->p_memsz > img->hi)
		img->hi = ph->p_paddr + ph->p_memsz;
}

void kernel_load(const char *path, struct guest_mem *mem, struct kernel_image *img)
{
	int fd = host_file_open(path); /* regular files only */
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		fail(EXOSIM_EXIT_BADELF, "%s: not an ELF file", path);
	if (gelf_getclass(elf) != ELFCLASS64)
		fail(EXOSIM_EXIT_BADELF, "%s: a 32-bit ELF; the kernel must be x86-64", path);
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64)
		fail(EXOSIM_EXIT_BADELF, "%s: not an x86-64 ELF", path);
	size_t phnum;
	if (elf_getphdrnum(elf, &phnum) != 0 || phnum == 0)
		fail(EXOSIM_EXIT_BADELF, "%s: no program headers", path);

	memset(img, 0, sizeof(*img));
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph))
			fail(EXOSIM_EXIT_BADELF, "%s: bad program header %zu", path, i);
		if (ph.p_type == PT_LOAD)
			load_segment(path, fd, mem, &ph, img);
		else if (ph.p_type == PT_NOTE && !img->entry32)
			img->entry32 = note_entry(path, elf, &ph);
	}
	elf_end(elf);
	close(fd);
	if (!img->entry32)
		fail(EXOSIM_EXIT_BADELF, "%s: no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)", path);
	if (img->entry32 < img->lo || img->entry32 >= img->hi || img->entry32 > UINT32_MAX)
		fail(EXOSIM_EXIT_BADELF, "%s: PVH entry 0x%llx lies outside the kernel", path,
		     (unsigned long long)img->entry32);
}
