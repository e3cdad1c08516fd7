/* The exokernel's boot: from the PVH start state to the first environment.
 *
 * Every ring-0 instruction is emulated (~275 ns) on KVM-on-PVM, so boot does only
 * what the first environment needs and prints nothing unless `verbose` is on the
 * command line. */
#include <exo/memlayout.h>
#include <exo/status.h>
#include <hw/initramfs.h>
#include <hw/pvh.h>

#include "arch.h"
#include "boottime.h"
#include "captab.h"
#include "cmdline.h"
#include "cpio.h"
#include "disk.h"
#include "net.h"
#include "env.h"
#include "escape.h"
#include "sched.h"
#include "scrub.h"
#include "gate.h"
#include "kernel.h"
#include "kstring.h"
#include "lapic.h"
#include "load.h"
#include "memmap.h"
#include "pmem.h"
#include "reclaim.h"
#include "rmap.h"
#include "pagetable.h"
#include "virtio.h"
#include "x86.h"

/* A tick costs an interrupt (tens of us on KVM-on-PVM): 5 ms keeps that < 1%. */
#define DEFAULT_TICK_US 5000
#define MAX_CMDLINE     4096
#define MAX_RESERVED    16
#define MAX_USABLE      32

struct boot_options boot_options;
extern char kernel_start[], kernel_end[];
static bool test_stack_overflow;

/* exo.test_stack_overflow: recurse until the guard page below the kernel
 * stack stops it, which must end in a "kernel stack overflow" panic
 * (tests/integration).  The depth only keeps gcc from calling it infinite. */
static __attribute__((noinline)) uint64_t recurse(uint64_t depth)
{
	volatile uint64_t frame[32];
	frame[0] = depth;
	return depth ? recurse(depth - 1) + frame[0] : 0;
}

/* A physical range the kernel reads at boot must lie in the boot direct map. */
static const void *boot_ptr(uint64_t pa, uint64_t len)
{
	if (pa + len < pa || pa + len > PMEM_DIRECT_MAP_END)
		panic("boot data at 0x%lx+0x%lx is outside the direct map", pa, len);
	return kva(pa);
}

/* The options the kernel reads, found in one pass over the command line
 * (cmdline_scan): each extra pass cost ~1K emulated instructions. */
enum {
	OPT_VERBOSE,
	OPT_STATS,
	OPT_TSC_START,
	OPT_STACK_OVERFLOW,
	OPT_TSC_KHZ,
	OPT_NOXSAVE,
	OPT_FPU_TIMING,
	OPT_SCRUB_BENCH,
	OPT_TICK_US,
	OPT_EPOCH_NS,
	OPT_RECLAIM_GRACE,
	OPT_NOFSGSBASE,
	OPT_VIRTIO_MMIO,
	OPT_GDB,
	NOPTS
};
static const char *const option_keys[NOPTS] = {
        [OPT_VERBOSE] = "verbose",
        [OPT_STATS] = "exo.stats",
        [OPT_TSC_START] = "exo.tsc_start",
        [OPT_STACK_OVERFLOW] = "exo.test_stack_overflow",
        [OPT_TSC_KHZ] = "exosim.tsc_khz",
        [OPT_NOXSAVE] = "noxsave",
        [OPT_FPU_TIMING] = "exo.fpu_timing",
        [OPT_SCRUB_BENCH] = "exo.scrub_bench",
        [OPT_TICK_US] = "exo.tick_us",
        [OPT_EPOCH_NS] = "exo.epoch_ns",
        [OPT_RECLAIM_GRACE] = "exo.reclaim_grace",
        [OPT_NOFSGSBASE] = "nofsgsbase",
        [OPT_VIRTIO_MMIO] = "virtio_mmio.device",
        [OPT_GDB] = "exo.gdb",
};

/* The option's value as a number into *out, if it was given one. */
static void opt_u64(const struct cmdline_word *w, uint64_t *out)
{
	if (w->keylen && w->has_value)
		cmdline_parse_u64(w->value, w->vlen, out);
}

/* Devices were named (virtio_mmio.device=): virtio_discover reads them all
 * once the timer is up. */
static bool has_devices;

static size_t parse_cmdline(const struct hvm_start_info *si, struct mem_range *res, int *nres)
{
	if (!si->cmdline_paddr)
		return 0;
	const char *cmd = boot_ptr(si->cmdline_paddr, 1);
	size_t max = MAX_CMDLINE;
	if (PMEM_DIRECT_MAP_END - si->cmdline_paddr < max)
		max = PMEM_DIRECT_MAP_END - si->cmdline_paddr;
	struct cmdline_word w[NOPTS];
	size_t len = cmdline_scan(cmd, max, option_keys, NOPTS, w);
	res[(*nres)++] = (struct mem_range){si->cmdline_paddr, si->cmdline_paddr + len + 1};
	boot_options.verbose = w[OPT_VERBOSE].keylen;
	boot_options.stats = w[OPT_STATS].keylen;
	opt_u64(&w[OPT_TSC_START], &boot_options.tsc_start);
	test_stack_overflow = w[OPT_STACK_OVERFLOW].keylen;
	opt_u64(&w[OPT_TSC_KHZ], &boot_options.tsc_khz);
	boot_options.noxsave = w[OPT_NOXSAVE].keylen;
	boot_options.nofsgsbase = w[OPT_NOFSGSBASE].keylen;
	has_devices = w[OPT_VIRTIO_MMIO].keylen;
	gdb_agent_on = w[OPT_GDB].keylen != 0; /* exosim --gdb (entry.S, PV_GDB_PORT) */
	boot_options.fpu_timing = w[OPT_FPU_TIMING].keylen;
	boot_options.scrub_bench = w[OPT_SCRUB_BENCH].keylen;
	boot_options.tick_us = DEFAULT_TICK_US;
	opt_u64(&w[OPT_TICK_US], &boot_options.tick_us);
	if (boot_options.tick_us < 100 || boot_options.tick_us > 1000000)
		boot_options.tick_us = DEFAULT_TICK_US;
	/* Wall-clock time when the VMM started us (ns since 1970), for the libOS's
	 * clocks: an error of the boot time (a few ms) is accepted. */
	opt_u64(&w[OPT_EPOCH_NS], &kinfo_page.epoch_ns);
	/* The reclaim grace period is policy a test or a slow host may widen. */
	kinfo_page.reclaim_grace_ticks = RECLAIM_GRACE_TICKS_DEFAULT;
	if (w[OPT_RECLAIM_GRACE].keylen) {
		uint64_t grace = 0;
		opt_u64(&w[OPT_RECLAIM_GRACE], &grace);
		if (grace >= 1 && grace <= RECLAIM_GRACE_TICKS_MAX)
			kinfo_page.reclaim_grace_ticks = grace;
		else
			kprintf("exo: exo.reclaim_grace ignored: 1..%u ticks\n",
			        RECLAIM_GRACE_TICKS_MAX);
	}
	return len;
}

/* cover_end: the page-info table describes frames up to there at least (the
 * initramfs, which QEMU puts above the last usable page), so the first
 * environment can map the archive's frames in place (grant_initrd). */
static void memory_init(const struct hvm_start_info *si, struct mem_range *res, int nres,
                        uint64_t cover_end)
{
	if (si->version < 1 || !si->memmap_entries)
		panic("the boot loader passed no memory map");
	uint64_t mapsize = si->memmap_entries * sizeof(struct hvm_memmap_table_entry);
	const struct hvm_memmap_table_entry *map = boot_ptr(si->memmap_paddr, mapsize);
	res[nres++] = (struct mem_range){si->memmap_paddr, si->memmap_paddr + mapsize};
	res[nres++] = (struct mem_range){kpa(kernel_start), kpa(kernel_end)};

	static struct mem_range usable[MAX_USABLE];
	int n = memmap_usable(map, si->memmap_entries, res, nres, 1ul << 20, usable, MAX_USABLE);
	if (n <= 0)
		panic("no usable memory in the memory map");
	/* exosim promises fresh RAM reads as zero; QEMU's firmware may have used it. */
	const struct pmem_pool pools[] = {rmap_pool, captab_pool};
	pmem_init(usable, n, cover_end, console_is_paravirtual(), pools, (int)ARRAY_SIZE(pools));
	/* The top 2 MiB of RAM are still free: allocation starts at the bottom. */
	uint64_t top = ROUNDDOWN(usable[n - 1].end, 2ul << 20);
	if (boot_options.scrub_bench && pmem_in_free_ranges(top - (2ul << 20), 2ul << 20))
		scrub_bench(top - (2ul << 20));
	vm_init();
	export_map_table(EXO_PAGES, pmem_table_pa(), pmem_table_bytes());
	kinfo_page.npages = npages;
	kverbose("exo: %lu MiB free in %d ranges\n", pmem_free_pages() >> 8, n);
}

/* The initramfs, read lazily and once: each entry costs ~80 us to parse in
 * emulated ring 0, so boot reads only as far as the files it needs (exosim puts
 * them first) and keeps the entries it read.  The archive may be a user's
 * (exosim --initrd, QEMU's -initrd): a malformed one is bad input, reported in
 * one line with exosim's status 123, never a panic.  ExOS reads the rest when it
 * indexes the whole archive, and refuses it the same way. */
#define MAX_BOOT_FILES 64
static struct {
	const void *data;
	size_t len, pos; /* pos: after the last entry kept in file[] */
	bool end;        /* the trailer was reached with room to spare */
	struct cpio_entry file[MAX_BOOT_FILES];
	int nfiles;
} initrd;

static bool same_name(const struct cpio_entry *e, const char *path, size_t n)
{
	size_t skip = e->namelen && e->name[0] == '/';
	return e->namelen - skip == n && memcmp(e->name + skip, path, n) == 0;
}

/* The entry named path (false if the archive has none); reads on from where the
 * last lookup stopped, keeping what fits in file[]. */
static bool boot_file(const char *path, struct cpio_entry *out)
{
	size_t n = strlen(path), p = initrd.pos;
	for (int i = 0; i < initrd.nfiles; i++)
		if (same_name(&initrd.file[i], path, n))
			return *out = initrd.file[i], true;
	while (!initrd.end) {
		struct cpio_entry e;
		size_t at = p;
		int r = cpio_next(initrd.data, initrd.len, &p, &e);
		if (r < 0) {
			kprintf("exo: bad initramfs: %s (at byte %lu)\n", cpio_strerror(r), at);
			machine_exit(EXOSIM_EXIT_BADARCHIVE);
		}
		if (r == CPIO_END) {
			initrd.end = initrd.nfiles < MAX_BOOT_FILES;
			break;
		}
		if (initrd.nfiles < MAX_BOOT_FILES) {
			initrd.file[initrd.nfiles++] = e;
			initrd.pos = p;
		}
		if (same_name(&e, path, n))
			return *out = e, true;
	}
	return false;
}

/* The initramfs is the libOS's root file system: every environment sees it
 * read-only at EXO_INITRD, no copy and no call needed.  Both PVH loaders
 * (exosim, QEMU) place it on a page boundary; a loader that did not would only
 * cost the export. */
static void export_initrd(uint64_t pa, uint64_t size)
{
	if (pa & (EXO_PAGE_SIZE - 1)) {
		kprintf("exo: the initramfs is not page-aligned; not exporting it\n");
		return;
	}
	export_map_range(EXO_INITRD, pa, ROUNDUP(size, EXO_PAGE_SIZE), PTE_NX);
	kinfo_page.initrd_size = size;
}

/* The first environment's capability over the initramfs frames, in slot
 * EXO_CAP_INITRD: read-only (no EXO_RIGHT_WRITE, so no writable mapping or
 * grant of them can exist), for a loader to map program pages in place
 * instead of copying them (docs/boot.md).  It is derived from a root the
 * kernel keeps, as an environment's own capability is (env.c): releasing it,
 * or the environment's end, unmaps the frames and never frees them.  None for
 * an archive that is not page-aligned (it is not exported either), or that
 * lies past the page-info table (QEMU puts it at the top of memory, above the
 * last usable page): a mapping needs its frames' entries.  The libOS then
 * copies, as it does from an archive whose files are not aligned. */
static void grant_initrd(struct env *e, const void *data, size_t len)
{
	uint64_t pa = kpa(data), n = ROUNDUP(len, EXO_PAGE_SIZE) / EXO_PAGE_SIZE;
	if (pa & (EXO_PAGE_SIZE - 1) || !len || PFN(pa) + n > npages) {
		kverbose("exo: the initramfs is not mapped in place\n");
		return;
	}
	int64_t root = cap_create_kernel(&caps, EXO_CAP_PAGE,
	                                 EXO_RIGHT_READ | EXO_RIGHT_MAP | EXO_RIGHT_GRANT, PFN(pa));
	if (root < 0)
		panic("out of capabilities for the initramfs");
	/* cap_create_kernel makes a one-frame root: the run is the archive. */
	caps.nodes[root - 1].count = (uint32_t)n;
	int slot = cap_derive(&caps, (uint32_t)root - 1, e->slot,
	                      EXO_RIGHT_READ | EXO_RIGHT_MAP | EXO_RIGHT_GRANT);
	if (slot != EXO_CAP_INITRD)
		panic("the initramfs capability landed in slot %d", slot);
}

/* The initramfs names the first program in exosim/init.  Its arguments and
 * environment (exosim/argv, exosim/envp) are the program's to read: the kernel
 * only loads it (docs/boot.md).  The path comes from the archive: it is
 * printed, and becomes the environment's name, escaped. */
static _Noreturn void start_first_env(const void *data, size_t len)
{
	static char path[INITRAMFS_INIT_MAX + 1], shown[ESCAPE_SIZE(INITRAMFS_INIT_MAX)];
	initrd.data = data;
	initrd.len = len;
	struct cpio_entry init;
	if (!boot_file(INITRAMFS_INIT, &init) || !init.size || init.size > INITRAMFS_INIT_MAX) {
		kprintf("exo: bad initramfs: it names no program (" INITRAMFS_INIT ")\n");
		machine_exit(EXOSIM_EXIT_BADARCHIVE);
	}
	memcpy(path, init.data, init.size);
	escape_str(shown, sizeof(shown), path);

	struct cpio_entry prog;
	if (!boot_file(path, &prog)) {
		kprintf("exo: bad initramfs: cannot run %s: not in the initramfs\n", shown);
		machine_exit(EXOSIM_EXIT_BADARCHIVE);
	}
	const char *base = shown;
	for (const char *p = shown; *p; p++)
		if (*p == '/')
			base = p + 1;
	struct env *e = env_create(base, 0, 0);
	if (!e)
		panic("out of memory creating the first environment");
	grant_initrd(e, data, len);
	disk_grant_roots(e);
	net_grant_roots(e);
	boot_mark(EXO_BOOT_ENV);
	int status = load_program(e, shown, prog.data, prog.size);
	if (status)
		machine_exit(status);
	boot_mark(EXO_BOOT_LOAD);
	env_start(e, 0);
	env_run(e);
}

_Noreturn void kmain(uint32_t start_info_pa)
{
	kinfo_page.tsc_boot = rdtsc();
	console_init();
	const struct hvm_start_info *si = boot_ptr(start_info_pa, sizeof(*si));
	if (si->magic != XEN_HVM_START_MAGIC_VALUE)
		panic("not booted by a PVH loader (start_info magic 0x%x)", si->magic);

	struct mem_range res[MAX_RESERVED];
	int nres = 0;
	res[nres++] = (struct mem_range){start_info_pa, start_info_pa + sizeof(*si)};
	size_t cmdlen = parse_cmdline(si, res, &nres);
	boot_mark(EXO_BOOT_CMDLINE);
	cpu_init();
	boot_mark(EXO_BOOT_CPU);
	if (test_stack_overflow)
		kprintf("exo: recursed %lu\n", recurse(1ul << 40));

	if (si->nr_modules < 1)
		panic("no initramfs: the boot loader passed no module");
	uint64_t nmod = si->nr_modules < 8 ? si->nr_modules : 8;
	const struct hvm_modlist_entry *mods =
	        boot_ptr(si->modlist_paddr, nmod * sizeof(struct hvm_modlist_entry));
	res[nres++] =
	        (struct mem_range){si->modlist_paddr, si->modlist_paddr + nmod * sizeof(*mods)};
	for (uint64_t i = 0; i < nmod; i++)
		res[nres++] = (struct mem_range){mods[i].paddr, mods[i].paddr + mods[i].size};
	memory_init(si, res, nres, mods[0].paddr + mods[0].size);
	boot_mark(EXO_BOOT_MEMORY);
	captab_init();
	gate_init();
	console_export();
	env_init();
	gdb_agent_init();
	sched_init();
	boot_mark(EXO_BOOT_TABLES);
	lapic_init(boot_options.tick_us * 1000);
	boot_mark(EXO_BOOT_LAPIC);
	if (has_devices)
		virtio_discover(boot_ptr(si->cmdline_paddr, 1), cmdlen);

	export_initrd(mods[0].paddr, mods[0].size);
	start_first_env(boot_ptr(mods[0].paddr, mods[0].size), mods[0].size);
}
