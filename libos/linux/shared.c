/* The region every ExOS process shares (D2 in docs/libos.md, "Processes"):
 * the process table, the file tree with /tmp's data and the open file
 * descriptions, pipe buffers and whatever else processes share, at
 * EXOS_SHARED_BASE in every process, writable, never copy-on-write.
 *
 * Env 1 makes it at start: one EXO_SYS_RUN_ALLOC of RAM/64 (16..256 MiB,
 * REGION_MAX below says why not more; growing it in runs that env 1
 * allocates and grants on request would lift that).  It is mapped
 * lazily, as 2 MiB pages: only [0, mapped) is in use anywhere (the allocator
 * hands out memory from the bottom), a process that grows it maps the new
 * part, and every other process maps what it lacks when it next takes the
 * region's lock, which all access to shared state is under.  So a fork lends
 * the child only the part in use (fork.c), and the region's size costs
 * nothing but its frames.  Every other process gets a capability derived
 * from env 1's (fork.c), so the region outlives any process but the first. */
#include <stdio.h>
#include <string.h>

#include <exos/sched.h>
#include <exos/sys.h>
#include <exos/vm.h>

#include "proc.h"

#define MIB (1ul << 20)
/* What a boot can afford: the kernel writes a page-info entry per frame of
 * the run, ~300 us of emulated ring-0 work per 512 frames on KVM-on-PVM, so
 * RAM/8 (512 MiB of a 4 GiB VM) cost every program ~100 ms to start. */
#define REGION_MAX (256 * MIB)

int linux_shared_cap = -1;
static struct shared_hdr *region;
static bool tried;
static uint64_t mapped_here; /* [0, mapped_here) of the region is mapped in this process */

/* Maps [mapped_here, region->mapped) with our capability: 2 MiB pages. */
static bool map_up_to(uint64_t bytes)
{
	if (bytes <= mapped_here)
		return true;
	struct exo_map_op op = {.va = EXOS_SHARED_BASE + mapped_here,
	                        .cap = (int32_t)linux_shared_cap,
	                        .first = (uint32_t)(mapped_here / EXO_PAGE_SIZE),
	                        .npages = (uint32_t)((bytes - mapped_here) / EXO_PAGE_SIZE),
	                        .flags = EXO_MAP_LARGE,
	                        .perm = EXO_PTE_W | EXO_PTE_NX};
	if (exo_map(EXO_CAP_SELF, &op, 1) != 1)
		return false;
	mapped_here = bytes;
	return true;
}

static uint64_t round_large(uint64_t bytes)
{
	return (bytes + EXO_LARGE_SIZE - 1) & ~(EXO_LARGE_SIZE - 1);
}

/* Called with the lock held: memory up to end_va is in use. */
bool linux_shared_cover(uint64_t end_va)
{
	uint64_t need = round_large(end_va - EXOS_SHARED_BASE);
	if (need > region->size)
		return false;
	if (need > region->mapped)
		region->mapped = need;
	return map_up_to(region->mapped);
}

uint64_t linux_shared_mapped(void)
{
	return region ? region->mapped : 0;
}

static uint64_t region_size(void)
{
	uint64_t ram = exo_kinfo()->ram_pages * EXO_PAGE_SIZE;
	uint64_t size = ram / 64;
	if (size < 16 * MIB)
		size = 16 * MIB;
	if (size > REGION_MAX)
		size = REGION_MAX;
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
		uint64_t arena_lo = reserved_bytes();
		/* The header, the boot stacks and the arena's bitmap are in use. */
		uint64_t first = round_large(arena_lo + arena_meta_bytes(size - arena_lo));
		linux_shared_cap = (int)cap;
		if (first > size || !map_up_to(first)) {
			linux_shared_cap = -1;
			exo_cap_release((int)cap);
			return false;
		}
		region = (struct shared_hdr *)EXOS_SHARED_BASE;
		region->magic = SHARED_MAGIC;
		region->size = size;
		region->mapped = first;
		region->next_pid = PROC_FIRST_PID + 1;
		region->alloc_lo = arena_lo;
		if (!arena_init(&region->arena, (void *)(EXOS_SHARED_BASE + arena_lo),
		                size - arena_lo)) {
			region = NULL;
			exo_unmap(EXO_CAP_SELF, EXOS_SHARED_BASE, first / EXO_PAGE_SIZE);
			exo_cap_release((int)cap);
			linux_shared_cap = -1;
			return false;
		}
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

void linux_shared_adopt(int cap, uint64_t mapped)
{
	mapped_here = mapped;
	region = (struct shared_hdr *)EXOS_SHARED_BASE;
	linux_shared_cap = cap;
	tried = true;
}

/* D3.  One vCPU: a contended lock means its holder was preempted, so give
 * it the CPU.  The critical count defers our epilogue while we hold it.  The
 * depth is ours (private memory): a nested take only counts. */
static unsigned lock_depth;

void linux_shared_lock(void)
{
	if (lock_depth++)
		return;
	exos_critical_enter();
	while (__atomic_exchange_n(&region->lock, 1, __ATOMIC_ACQUIRE)) {
		exos_critical_leave();
		exo_yield();
		exos_critical_enter();
	}
	/* Another process grew the region: map its new part before touching it.
	 * It cannot fail but for a kernel refusing our own capability. */
	if (region->mapped > mapped_here && !map_up_to(region->mapped))
		linux_refuse(EXOSIM_EXIT_CRASH, "exos: cannot map the shared region (%lu MiB)\n",
		             (unsigned long)(region->mapped >> 20));
}

bool linux_shared_held(void)
{
	return lock_depth != 0;
}

void linux_shared_unlock(void)
{
	if (--lock_depth)
		return;
	__atomic_store_n(&region->lock, 0, __ATOMIC_RELEASE);
	exos_critical_leave();
}

void *exos_shared_alloc(size_t bytes)
{
	if (!linux_shared() || bytes == 0)
		return NULL;
	linux_shared_lock();
	void *p = arena_alloc(&region->arena, bytes);
	if (p && !linux_shared_cover((uint64_t)p + arena_size_of(bytes))) {
		arena_free(&region->arena, p, bytes);
		p = NULL;
	}
	linux_shared_unlock();
	if (p)
		memset(p, 0, arena_size_of(bytes));
	return p;
}

void exos_shared_free(void *p, size_t bytes)
{
	if (!p)
		return;
	linux_shared_lock();
	arena_free(&region->arena, p, bytes);
	linux_shared_unlock();
}
