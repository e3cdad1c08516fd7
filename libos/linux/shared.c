/* The region every ExOS process shares (D2 in docs/libos.md, "Processes"):
 * the process table, pipe buffers and whatever else processes share, at
 * EXOS_SHARED_BASE in every process, writable, never copy-on-write.
 *
 * Env 1 makes it the first time a second process or shared state is needed
 * (a program that never forks pays nothing): one EXO_SYS_RUN_ALLOC of
 * RAM/256 (16..256 MiB), mapped as 2 MiB pages with one EXO_SYS_MAP.  Not
 * D2's RAM/16: every fork maps the region into the child twice (fork.c), and
 * on KVM-on-PVM 125 2 MiB pages (a 4 GiB VM's RAM/16) cost a fork ~25% more;
 * /tmp has its own arena (tmpfs.c), so pipes and the table are all it holds.  Every
 * other process gets a capability derived from env 1's (fork.c), so the
 * region outlives any process but the first. */
#include <stdio.h>
#include <string.h>

#include <exos/sched.h>
#include <exos/sys.h>
#include <exos/vm.h>

#include "proc.h"

#define MIB (1ul << 20)

int linux_shared_cap = -1;
static struct shared_hdr *region;
static bool tried;

static uint64_t region_size(void)
{
	uint64_t ram = exo_kinfo()->ram_pages * EXO_PAGE_SIZE;
	uint64_t size = ram / 256;
	if (size < 16 * MIB)
		size = 16 * MIB;
	if (size > EXOS_SHARED_MAX)
		size = EXOS_SHARED_MAX;
	return size & ~(EXO_LARGE_SIZE - 1);
}

/* The table and the boot stacks come first; the allocator hands out the rest. */
static uint64_t reserved_bytes(void)
{
	uint64_t hdr = (sizeof(struct shared_hdr) + EXO_PAGE_SIZE - 1) & ~(EXO_PAGE_SIZE - 1);
	return hdr + PROC_MAX * PROC_BOOT_STACK;
}

uint64_t linux_shared_boot_stack(int i)
{
	uint64_t hdr = (sizeof(struct shared_hdr) + EXO_PAGE_SIZE - 1) & ~(EXO_PAGE_SIZE - 1);
	return EXOS_SHARED_BASE + hdr + (uint64_t)(i + 1) * PROC_BOOT_STACK;
}

static bool create(void)
{
	struct exo_page_grant g;
	for (uint64_t size = region_size(); size >= 8 * MIB; size /= 2) {
		long cap = exo_run_alloc(&g, size / EXO_PAGE_SIZE, EXO_RUN_LARGE);
		if (cap < 0)
			continue;
		struct exo_map_op op = {.va = EXOS_SHARED_BASE,
		                        .cap = (int32_t)cap,
		                        .npages = (uint32_t)(size / EXO_PAGE_SIZE),
		                        .flags = EXO_MAP_LARGE,
		                        .perm = EXO_PTE_W | EXO_PTE_NX};
		if (exo_map(EXO_CAP_SELF, &op, 1) != 1) {
			exo_cap_release((int)cap);
			return false;
		}
		region = (struct shared_hdr *)EXOS_SHARED_BASE;
		region->magic = SHARED_MAGIC;
		region->size = size;
		region->next_pid = PROC_FIRST_PID + 1;
		region->alloc_lo = reserved_bytes();
		linux_shared_cap = (int)cap;
		linux_proc_first(region);
		return true;
	}
	return false;
}

struct shared_hdr *linux_shared(void)
{
	if (region || tried)
		return region;
	tried = true;
	/* Only env 1 makes it (a child always has it); not native programs. */
	if (exos_self_id() % EXO_NENV != 1)
		return NULL;
	if (!create()) {
		if (linux_opts.trace)
			fprintf(stderr, "[exos] no memory for the shared region\n");
		return NULL;
	}
	linux_fork_serve();
	return region;
}

void linux_shared_adopt(int cap)
{
	region = (struct shared_hdr *)EXOS_SHARED_BASE;
	linux_shared_cap = cap;
	tried = true;
}

/* D3.  One vCPU: a contended lock means its holder was preempted, so give
 * it the CPU.  The critical count defers our epilogue while we hold it. */
void linux_shared_lock(void)
{
	exos_critical_enter();
	while (__atomic_exchange_n(&region->lock, 1, __ATOMIC_ACQUIRE)) {
		exos_critical_leave();
		exo_yield();
		exos_critical_enter();
	}
}

void linux_shared_unlock(void)
{
	__atomic_store_n(&region->lock, 0, __ATOMIC_RELEASE);
	exos_critical_leave();
}

/* ---- the allocator: first fit over a bitmap of pages ---- */

static bool page_used(uint64_t i)
{
	return region->used[i / 64] >> (i % 64) & 1;
}

static void mark(uint64_t i, uint64_t n, bool used)
{
	for (uint64_t k = i; k < i + n; k++) {
		if (used)
			region->used[k / 64] |= 1ul << (k % 64);
		else
			region->used[k / 64] &= ~(1ul << (k % 64));
	}
}

void *exos_shared_alloc(size_t bytes)
{
	if (!linux_shared() || bytes == 0)
		return NULL;
	uint64_t n = (bytes + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE;
	uint64_t lo = region->alloc_lo / EXO_PAGE_SIZE, hi = region->size / EXO_PAGE_SIZE;
	void *p = NULL;
	linux_shared_lock();
	for (uint64_t i = lo, run = 0; i < hi; i++) {
		run = page_used(i) ? 0 : run + 1;
		if (run == n) {
			mark(i + 1 - n, n, true);
			p = (void *)(EXOS_SHARED_BASE + (i + 1 - n) * EXO_PAGE_SIZE);
			break;
		}
	}
	linux_shared_unlock();
	if (p)
		memset(p, 0, n * EXO_PAGE_SIZE);
	return p;
}

void exos_shared_free(void *p, size_t bytes)
{
	if (!p)
		return;
	uint64_t n = (bytes + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE;
	linux_shared_lock();
	mark(((uint64_t)p - EXOS_SHARED_BASE) / EXO_PAGE_SIZE, n, false);
	linux_shared_unlock();
}
