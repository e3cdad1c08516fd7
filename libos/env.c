/* Environments built in user space: spawn, wait, reap (see <exos/env.h>). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exos/blk.h>
#include <exos/env.h>
#include <exos/vm.h>

/* The linker's bounds of the program image. */
extern char __executable_start[], _end[];

/* Our children and the page capabilities we acquired for them. */
#define MAX_CHILDREN    8
#define MAX_CHILD_PAGES 192
static struct child {
	uint32_t id; /* 0: free */
	int16_t cap;
	uint16_t npages;
	int16_t pages[MAX_CHILD_PAGES];
} children[MAX_CHILDREN];

static struct child *find_child(uint32_t id)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i].id == id && id)
			return &children[i];
	return 0;
}

long exos_env_cap(uint32_t id)
{
	struct child *c = find_child(id);

	return c ? c->cap : -EXO_ENOENT;
}

static void release_child(struct child *c)
{
	struct exo_cap_info info;

	for (int i = 0; i < c->npages; i++)
		exo_cap_release(c->pages[i]);
	/* The kernel revokes every capability for an environment when it ends, so
	 * the slot may be empty or, by now, hold something else. */
	if (exo_cap_info(c->cap, &info) == 0 && info.type == EXO_CAP_ENV && info.object == c->id)
		exo_cap_release(c->cap);
	memset(c, 0, sizeof(*c));
}

void exos_env_reap(uint32_t id)
{
	struct child *c = find_child(id);

	if (c)
		release_child(c);
}

/* Batches for the copy window (our space) and the child's mappings. */
#define SPAWN_BATCH 128
struct spawn {
	struct child *c;
	struct exo_map_op win[SPAWN_BATCH], kid[SPAWN_BATCH];
	uint64_t src[SPAWN_BATCH];
	int nwin, nkid;
};

static long flush(struct spawn *s)
{
	long r;

	if (s->nwin) {
		r = exo_map(EXO_CAP_SELF, s->win, (size_t)s->nwin);
		if (r != s->nwin)
			return r < 0 ? r : -EXO_EINVAL;
		for (int i = 0; i < s->nwin; i++)
			memcpy((void *)s->win[i].va, (const void *)s->src[i], EXO_PAGE_SIZE);
		r = exo_unmap(EXO_CAP_SELF, EXOS_SPAWN_WIN, (size_t)s->nwin);
		if (r < 0)
			return r;
	}
	if (s->nkid) {
		r = exo_map(s->c->cap, s->kid, (size_t)s->nkid);
		if (r != s->nkid)
			return r < 0 ? r : -EXO_EINVAL;
	}
	s->nwin = s->nkid = 0;
	return 0;
}

/* Maps a fresh page at va in the child; if src, a copy of our page at src. */
static long add_fresh(struct spawn *s, uint64_t va, uint64_t perm, uint64_t src)
{
	long slot, r;

	if (s->c->npages >= MAX_CHILD_PAGES)
		return -EXO_ENOMEM;
	if ((s->nwin == SPAWN_BATCH || s->nkid == SPAWN_BATCH) && (r = flush(s)) < 0)
		return r;
	slot = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);
	if (slot < 0)
		return slot;
	s->c->pages[s->c->npages++] = (int16_t)slot;
	if (src) {
		s->win[s->nwin] = (struct exo_map_op){.npages = 1,
		                                      .va = EXOS_SPAWN_WIN +
		                                            (uint64_t)s->nwin * EXO_PAGE_SIZE,
		                                      .cap = (int32_t)slot,
		                                      .perm = EXO_PTE_W | EXO_PTE_NX};
		s->src[s->nwin++] = src;
	}
	s->kid[s->nkid++] =
	        (struct exo_map_op){.npages = 1, .va = va, .cap = (int32_t)slot, .perm = perm};
	return 0;
}

/* Maps frame `first` of our capability `slot` at va in the child. */
static long add_shared(struct spawn *s, uint64_t va, uint64_t perm, long slot, uint32_t first)
{
	long r;

	if (s->nkid == SPAWN_BATCH && (r = flush(s)) < 0)
		return r;
	s->kid[s->nkid++] = (struct exo_map_op){
	        .va = va, .cap = (int32_t)slot, .first = first, .npages = 1, .perm = perm};
	return 0;
}

static long build(struct spawn *s, int (*fn)(void *), void *arg, bool start)
{
	uint64_t lo = (uint64_t)__executable_start & ~(EXO_PAGE_SIZE - 1);
	uint64_t hi = ((uint64_t)_end + EXO_PAGE_SIZE - 1) & ~(EXO_PAGE_SIZE - 1);
	struct exo_regs regs;
	long r;

	for (uint64_t va = lo; va < hi; va += EXO_PAGE_SIZE) {
		uint64_t pte = exos_pte(va);
		uint64_t perm = pte & (EXO_PTE_W | EXO_PTE_NX);
		long slot = -1, initrd;
		uint32_t first = 0;

		if (!(pte & EXO_PTE_P))
			continue;
		/* Read-only pages are shared: ours, or the initramfs's frames the
		 * kernel mapped our text from (through its capability). */
		if (!(pte & EXO_PTE_W) &&
		    (initrd = exos_initrd_frame((pte & EXO_PTE_ADDR) >> 12)) >= 0)
			slot = EXO_CAP_INITRD, first = (uint32_t)initrd;
		else if (!(pte & EXO_PTE_W))
			slot = exos_frame_cap_get((pte & EXO_PTE_ADDR) >> 12, &first);
		r = slot >= 0 ? add_shared(s, va, perm, slot, first) : add_fresh(s, va, perm, va);
		if (r < 0)
			return r;
	}
	for (uint64_t va = EXO_USTACK_TOP - EXOS_CHILD_STACK_PAGES * EXO_PAGE_SIZE;
	     va < EXO_USTACK_TOP; va += EXO_PAGE_SIZE)
		if ((r = add_fresh(s, va, EXO_PTE_W | EXO_PTE_NX, 0)) < 0)
			return r;
	if ((r = flush(s)) < 0)
		return r;

	memset(&regs, 0, sizeof(regs));
	regs.rip = (uint64_t)exos_env_entry;
	regs.rsp = EXO_USTACK_TOP;
	regs.rdi = (uint64_t)fn;
	regs.rsi = (uint64_t)arg;
	if ((r = exo_env_set_regs(s->c->cap, &regs)) < 0)
		return r;
	return start ? exo_env_start(s->c->cap) : 0;
}

static long spawn(int (*fn)(void *), void *arg, const char *name, bool start)
{
	struct spawn s; /* ~7 KiB: on the caller's stack, not copied into children */
	struct exo_cap_info info;
	struct child *c = 0;
	long cap, r;

	for (int i = 0; i < MAX_CHILDREN && !c; i++)
		if (!children[i].id)
			c = &children[i];
	if (!c)
		return -EXO_ENOMEM;
	fflush(stdout);
	fflush(stderr);
	cap = exo_env_create(name);
	if (cap < 0)
		return cap;
	r = exo_cap_info((int)cap, &info);
	if (r < 0) {
		exo_cap_release((int)cap);
		return r;
	}
	c->id = (uint32_t)info.object;
	c->cap = (int16_t)cap;
	c->npages = 0;
	s.c = c;
	s.nwin = s.nkid = 0;
	r = build(&s, fn, arg, start);
	if (r < 0) {
		exo_env_destroy((int)cap);
		release_child(c);
		return r;
	}
	return (long)info.object;
}

long exos_env_spawn(int (*fn)(void *), void *arg, const char *name)
{
	return spawn(fn, arg, name, true);
}

long exos_env_spawn_stopped(int (*fn)(void *), void *arg, const char *name)
{
	return spawn(fn, arg, name, false);
}

long exos_env_start(uint32_t id)
{
	return exos_env_start_flags(id, 0);
}

long exos_env_start_flags(uint32_t id, unsigned flags)
{
	long cap = exos_env_cap(id);
	return cap < 0 ? cap : exo_env_start_flags((int)cap, flags);
}

long exos_env_share(uint32_t id, uint64_t va, size_t npages, uint64_t perm)
{
	long cap = exos_env_cap(id);
	struct exo_map_op op = {.npages = 1, .perm = perm};

	if (cap < 0)
		return cap;
	for (size_t i = 0; i < npages; i++) {
		uint64_t pfn = exos_pfn(va + i * EXO_PAGE_SIZE);
		uint32_t first = 0;
		long pcap = pfn ? exos_frame_cap_get(pfn, &first) : -EXO_EFAULT;
		long r;

		if (pcap < 0)
			return pcap;
		op.va = va + i * EXO_PAGE_SIZE;
		op.cap = (int32_t)pcap;
		op.first = first;
		if ((r = exo_map((int)cap, &op, 1)) != 1)
			return r < 0 ? r : -EXO_EFAULT;
	}
	return 0;
}

long exos_env_spawn_shared(int (*fn)(void *), void *arg, const char *name, uint64_t va,
                           size_t npages)
{
	long id = exos_env_spawn_stopped(fn, arg, name);
	long r;

	if (id <= 0)
		return id;
	r = exos_env_share((uint32_t)id, va, npages, EXO_PTE_W | EXO_PTE_NX);
	if (r < 0) {
		exos_env_kill((uint32_t)id);
		return r;
	}
	return id;
}

long exos_env_wait(uint32_t id)
{
	const volatile struct exo_env_info *e = exos_env_info(id);
	long status;

	for (;;) {
		if (e->id != id || e->state == EXO_ENV_FREE)
			return -EXO_ENOENT;
		if (e->state == EXO_ENV_EXITED)
			break;
		exo_yield();
	}
	status = e->status;
	exos_env_reap(id);
	return status;
}

long exos_env_kill(uint32_t id)
{
	long cap = exos_env_cap(id);
	long r;

	if (cap < 0)
		return cap;
	r = exo_env_destroy((int)cap);
	exos_env_reap(id);
	return r;
}

_Noreturn void exos_env_main(int (*fn)(void *), void *arg)
{
	/* The image is the parent's: forget its libOS state. */
	memset(children, 0, sizeof(children));
	exos_vm_forget();
	exos_exceptions_forget();
	exos_blk_forget();
	environ = 0;
	__exo_initial_sp = 0;
	exit(fn(arg));
}
