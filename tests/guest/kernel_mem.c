/* kernel_mem: kernel memory is out of reach.  Kernel pages cannot be acquired
 * (the kernel image at pfn 0x100 = 1 MiB, pfn 0, page tables, the exported
 * tables), nor can pages that already belong to someone; ring 3 cannot read the
 * kernel's direct map nor write the exported read-only pages (the probes
 * fault); and system calls refuse kernel or read-only buffers. */
#define TEST_NAME "kernel_mem"
#include "check.h"

static long find_type(int type)
{
	for (uint64_t i = 0; i < exos_npages(); i++)
		if (exos_pages()[i].type == type)
			return (long)i;
	return -1;
}

int main(void)
{
	const struct exo_page *pg = exos_pages();
	struct exo_cap_info info;
	uint64_t np = exos_npages();
	static int owned = 1; /* on a page of ours */
	long pt = find_type(EXO_PAGE_PT), my = (long)exos_pfn((uint64_t)&owned);
	long text = (long)exos_pfn((uint64_t)main);
	uint64_t table_pfn;

	probe_install();
	CHECK(np > 0x100, "page-info table has %s entries", np > 0x100 ? "enough" : "too few");
	CHECK(pg[0x100].type == EXO_PAGE_KERNEL,
	      "pfn 0x100 (the kernel image at 1 MiB) is EXO_PAGE_KERNEL");
	CHECK(pg[0].type == EXO_PAGE_KERNEL, "pfn 0 is EXO_PAGE_KERNEL");
	ERR(exo_cap_acquire(EXO_CAP_PAGE, 0x100), EXO_EPERM, "acquire pfn 0x100 (kernel image)");
	ERR(exo_cap_acquire(EXO_CAP_PAGE, 0), EXO_EPERM, "acquire pfn 0");
	ERR(exo_cap_acquire(EXO_CAP_PAGE, np), EXO_EINVAL, "acquire pfn npages (past the end)");
	ERR(exo_cap_acquire(EXO_CAP_PAGE, 1ul << 52), EXO_EINVAL, "acquire pfn 2^52");
	CHECK(pt > 0, "found a page-table page in page-info");
	ERR(exo_cap_acquire(EXO_CAP_PAGE, (uint64_t)pt), EXO_EBUSY, "acquire a page-table page");
	CHECK(owned && my > 0 && pg[my].type == EXO_PAGE_USER, "our data page is EXO_PAGE_USER");
	ERR(exo_cap_acquire(EXO_CAP_PAGE, (uint64_t)my), EXO_EBUSY,
	    "acquire our own data page again");
	/* Our text is mapped in place from the initramfs under exosim
	 * (kernel/load.c): the archive's frames are the kernel's, never to be
	 * acquired (writable).  Under QEMU, whose archive lies above the
	 * page-info table, it is a page of ours. */
	long r = exo_cap_acquire(EXO_CAP_PAGE, (uint64_t)text);
	CHECK(text > 0 && ((pg[text].type == EXO_PAGE_KERNEL && r == -EXO_EPERM) ||
	                   (pg[text].type == EXO_PAGE_USER && r == -EXO_EBUSY)),
	      "acquire our text page (an initramfs frame, or ours) -> refused");
	table_pfn = exos_pfn(EXO_PAGES);
	CHECK(table_pfn == 0, "UVPT does not show the exported tables as user pages");

	/* Ring-3 access. */
	RET(probe_read((void *)EXO_KINFO), 0, "read the info page");
	RET(probe_read((void *)EXO_PAGES), 0, "read the page-info table");
	RET(probe_read((void *)EXOS_UVPT_PML4), 0, "read our PML4 through UVPT");
	RET(probe_read((void *)(EXO_KERNBASE + 0x100000)), -14, "read the kernel image (#PF)");
	CHECK(probe_last_err & 1, "... a protection fault (the page is present, supervisor)");
	RET(probe_read((void *)EXO_KERNBASE), -14, "read physical page 0 in the direct map (#PF)");
	RET(probe_write((void *)EXO_KINFO), -14, "write the info page (#PF)");
	RET(probe_write((void *)EXO_PAGES), -14, "write the page-info table (#PF)");
	RET(probe_write((void *)EXO_ENVS), -14, "write the env table (#PF)");
	RET(probe_write((void *)EXO_GATE_SYSCALL), -14, "write the syscall gate (#PF)");
	RET(probe_write((void *)EXO_UVPT), -14, "write a page table through UVPT (#PF)");
	RET(probe_read((void *)0x800000000000ul), -13, "read a non-canonical address (#GP)");

	/* System calls with kernel or read-only buffers. */
	{
		long p = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);

		ERR(exo_console_write(EXO_STDOUT, (void *)(EXO_KERNBASE + 0x100000), 16),
		    EXO_EFAULT, "console_write from the kernel image");
		ERR(exo_cap_info((int)p, (void *)(EXO_KERNBASE + 0x100000)), EXO_EFAULT,
		    "cap_info into the kernel image");
		ERR(exo_cap_info((int)p, (void *)EXO_KINFO), EXO_EFAULT,
		    "cap_info into the read-only info page");
		ERR(exo_cap_info((int)p, (void *)(uint64_t)main), EXO_EFAULT,
		    "cap_info into our read-only text");
		ERR(exo_cap_info((int)p, (void *)EXO_UVPT), EXO_EFAULT, "cap_info into UVPT");
		RET(exo_cap_info((int)p, &info), 0, "cap_info into our stack");
		ERR(exo_env_create((const char *)EXO_KERNBASE), EXO_EFAULT,
		    "env_create with the name in the kernel");
	}
	return check_done();
}
