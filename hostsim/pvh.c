#include <string.h>

#include <hw/pvh.h>

#include "fail.h"
#include "pvh.h"

#define PAGE 4096ull

struct boot_page {
	struct hvm_start_info si;
	struct hvm_modlist_entry mod;
	struct hvm_memmap_table_entry map[2];
};
_Static_assert(sizeof(struct boot_page) <= PAGE, "boot data fits one page");

#define LARGE (2ull << 20)

/* The module's size: the archive padded with zeros to a whole number of 2 MiB
 * pages.  Readers stop at its trailer; the kernel exports it with one 2 MiB
 * entry per 2 MiB instead of one per page (~1-2 us each in emulated ring 0).
 * The padding is guest RAM exosim never writes, so it reads as zero. */
static uint64_t module_size(const struct initramfs *initrd)
{
	return (initrd->size + LARGE - 1) & ~(LARGE - 1);
}

/* The archive goes on the first 2 MiB boundary after the kernel (see
 * module_size): page-aligned, so that the kernel can hand its frames to the
 * first environment for mapping programs in place (docs/boot.md), and below
 * the kernel's last usable page, so that its page-info table covers those
 * frames. */
static uint64_t place_initrd(struct guest_mem *mem, const struct kernel_image *k,
                             const struct initramfs *initrd)
{
	uint64_t size = module_size(initrd);
	uint64_t top = mem->low_end & ~(PAGE - 1);
	uint64_t gpa = (k->hi + LARGE - 1) & ~(LARGE - 1);
	/* Leave the kernel at least as much room as the archive, so that a program that
	 * "fits" also has pages to be loaded into. */
	if (gpa > top || top - gpa < 2 * size)
		fail(EXOSIM_EXIT_NOMEM,
		     "the programs (%zu bytes) do not fit in guest memory; raise --mem",
		     initrd->size);
	memcpy(gpa_ptr(mem, gpa, initrd->size), initrd->data, initrd->size);
	return gpa;
}

uint64_t pvh_setup(struct guest_mem *mem, const struct kernel_image *k,
                   const struct initramfs *initrd, const char *cmdline)
{
	size_t cmdlen = strlen(cmdline) + 1;
	if (cmdlen > PVH_CMDLINE_MAX)
		fail(EXOSIM_EXIT_USAGE, "kernel command line longer than %d bytes",
		     PVH_CMDLINE_MAX - 1);
	if (k->lo < PVH_CMDLINE_GPA + PVH_CMDLINE_MAX)
		fail(EXOSIM_EXIT_BADELF, "the kernel is loaded below 0x%llx, over the boot data",
		     PVH_CMDLINE_GPA + PVH_CMDLINE_MAX);
	memcpy(gpa_ptr(mem, PVH_CMDLINE_GPA, cmdlen), cmdline, cmdlen);

	struct boot_page *bp = gpa_ptr(mem, PVH_START_INFO_GPA, sizeof(*bp));
	memset(bp, 0, sizeof(*bp));
	bp->mod.paddr = place_initrd(mem, k, initrd);
	bp->mod.size = module_size(initrd);
	uint32_t n = 0;
	bp->map[n++] = (struct hvm_memmap_table_entry){0, mem->low_end, XEN_HVM_MEMMAP_TYPE_RAM, 0};
	if (mem->size > mem->low_end)
		bp->map[n++] = (struct hvm_memmap_table_entry){
		        GUEST_HIGH_RAM_BASE, mem->size - mem->low_end, XEN_HVM_MEMMAP_TYPE_RAM, 0};
	uint64_t base = PVH_START_INFO_GPA;
	bp->si = (struct hvm_start_info){
	        .magic = XEN_HVM_START_MAGIC_VALUE,
	        .version = 1,
	        .nr_modules = 1,
	        .modlist_paddr = base + offsetof(struct boot_page, mod),
	        .cmdline_paddr = PVH_CMDLINE_GPA,
	        .memmap_paddr = base + offsetof(struct boot_page, map),
	        .memmap_entries = n,
	};
	return base;
}
