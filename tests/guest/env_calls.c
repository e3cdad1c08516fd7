/* env_calls: environments built in user space (libos/env.c) and the checks on
 * every environment call: bad slots, a page capability where an env capability
 * belongs, rights of a derived env capability, states (start twice, set_regs
 * on a running environment), bad pointers, the table limit, and destroying
 * oneself.  The exact result of each call is printed. */
#define TEST_NAME "env_calls"
#include <string.h>

#include <exos/env.h>
#include <exos/vm.h>

#include "check.h"

static int counter = 5;                    /* .data: copied into children */
static const char motto[] = "shared text"; /* .rodata: shared read-only */

struct childarg {
	uint64_t main_pfn, motto_pfn;
	int add;
};

static int child_fn(void *p)
{
	struct childarg *a = p;

	counter += a->add; /* our own copy */
	if (exos_pfn((uint64_t)child_fn) != a->main_pfn)
		return 10; /* text should be the parent's page */
	if (exos_pfn((uint64_t)motto) != a->motto_pfn || strcmp(motto, "shared text"))
		return 11;
	if (exos_pte((uint64_t)motto) & EXO_PTE_W)
		return 12;
	if (exos_env_info(exos_self_id())->parent == 0)
		return 13;
	return counter;
}

static int destroy_self(void *p)
{
	(void)p;
	exo_env_destroy(EXO_CAP_SELF);
	return 1; /* not reached */
}

static int yield_forever(void *p)
{
	(void)p;
	while (exo_yield() >= 0)
		;
	return 1;
}

int main(void)
{
	struct exo_regs regs;
	struct exo_cap_info info;
	long page = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);
	long e, e2, ro, st;
	static struct childarg arg; /* in .bss: the child gets a copy */

	memset(&regs, 0, sizeof(regs));
	/* Spawning. */
	arg.main_pfn = exos_pfn((uint64_t)child_fn);
	arg.motto_pfn = exos_pfn((uint64_t)motto);
	arg.add = 37;
	e = exos_env_spawn(child_fn, &arg, "child");
	CHECK(e > 0, "exos_env_spawn -> an env id");
	/* With preemption the child may already have run to its exit. */
	CHECK((exos_env_info((uint32_t)e)->state == EXO_ENV_RUNNABLE ||
	       exos_env_info((uint32_t)e)->state == EXO_ENV_EXITED) &&
	              exos_env_info((uint32_t)e)->parent == exos_self_id() &&
	              strcmp((const char *)exos_env_info((uint32_t)e)->name, "child") == 0,
	      "env table: runnable (or done), our child, named \"child\"");
	e2 = exos_env_cap((uint32_t)e);
	st = exos_env_wait((uint32_t)e);
	CHECK(st == 42, "the child shares our text and rodata, has its own data: exit status %ld",
	      st);
	CHECK(counter == 5, "our copy of the data is unchanged");
	CHECK(exos_env_info((uint32_t)e)->state == EXO_ENV_EXITED, "env table: exited");
	ERR(exo_env_start((int)e2), EXO_EBADF, "start the exited child with our old capability");

	/* Bad capabilities. */
	ERR(exo_env_set_regs(1000, &regs), EXO_EBADF, "set_regs on empty slot 1000");
	ERR(exo_env_start(-1), EXO_EBADF, "start slot -1");
	ERR(exo_env_destroy(EXO_CAP_SLOTS), EXO_EBADF, "destroy slot EXO_CAP_SLOTS");
	ERR(exo_set_handler(1000, (void *)exos_xentry, 0x1000, 0x2000), EXO_EBADF,
	    "set_handler on empty slot 1000");
	ERR(exo_env_set_regs((int)page, &regs), EXO_EINVAL, "set_regs with a page capability");
	ERR(exo_env_start((int)page), EXO_EINVAL, "start a page capability");
	ERR(exo_env_destroy((int)page), EXO_EINVAL, "destroy a page capability");
	ERR(exo_yield_to((int)page), EXO_EINVAL, "yield to a page capability");
	ERR(exo_yield_to(1000), EXO_EBADF, "yield to empty slot 1000");

	/* States and arguments. */
	e = exo_env_create("raw");
	CHECK(e > 0 && exo_cap_info((int)e, &info) == 0 && info.type == EXO_CAP_ENV &&
	              exos_env_info((uint32_t)info.object)->state == EXO_ENV_CREATED,
	      "env_create -> an env capability; state CREATED");
	ERR(exo_env_set_regs(EXO_CAP_SELF, &regs), EXO_EINVAL, "set_regs on ourselves (running)");
	ERR(exo_env_set_regs((int)e, 0), EXO_EFAULT, "set_regs with regs = NULL");
	ERR(exo_env_set_regs((int)e, (void *)EXO_KERNBASE), EXO_EFAULT,
	    "set_regs with regs in the kernel");
	regs.rip = EXO_KERNBASE;
	ERR(exo_env_set_regs((int)e, &regs), EXO_EINVAL, "set_regs with rip in the kernel");
	regs.rip = 0;
	regs.rsp = EXO_KERNBASE + 0x1000;
	ERR(exo_env_set_regs((int)e, &regs), EXO_EINVAL, "set_regs with rsp in the kernel");
	regs.rsp = 0;
	ERR(exo_env_start(EXO_CAP_SELF), EXO_EBUSY, "start ourselves (running)");
	ERR(exo_env_create((const char *)EXO_KERNBASE), EXO_EFAULT,
	    "env_create with the name in the kernel");
	ERR(exo_set_handler(EXO_CAP_SELF, (void *)EXO_KERNBASE, 0x1000, 0x2000), EXO_EINVAL,
	    "set_handler with the handler in the kernel");
	ERR(exo_set_handler(EXO_CAP_SELF, (void *)exos_xentry, 0x2000, 0x1000), EXO_EINVAL,
	    "set_handler with xstack_lo > xstack_hi");
	ERR(exo_set_handler(EXO_CAP_SELF, (void *)exos_xentry, 0x1000, EXO_USER_TOP + 0x1000),
	    EXO_EINVAL, "set_handler with xstack_hi above EXO_USER_TOP");
	ERR(exo_set_handler(EXO_CAP_SELF, (void *)exos_xentry, 0x1001, 0x2000), EXO_EINVAL,
	    "set_handler with an unaligned xstack_lo");

	/* A derived env capability with read rights only. */
	ro = exo_cap_grant((int)e, EXO_CAP_SELF, EXO_RIGHT_READ);
	CHECK(ro > 0, "grant ourselves a read-only capability for it");
	ERR(exo_env_destroy((int)ro), EXO_EPERM, "destroy with it");
	ERR(exo_env_start((int)ro), EXO_EPERM, "start with it");
	ERR(exo_env_set_regs((int)ro, &regs), EXO_EPERM, "set_regs with it");
	{
		struct exo_map_op op = {.npages = 1, .va = 0x10000000, .cap = (int32_t)page, .perm = 0};

		ERR(exo_map((int)ro, &op, 1), EXO_EPERM, "map into it with it");
	}
	RET(exo_env_destroy((int)e), 0, "destroy it with the full capability");
	CHECK(exos_env_info((uint32_t)info.object)->state == EXO_ENV_EXITED &&
	              exos_env_info((uint32_t)info.object)->status == EXO_STATUS_DESTROYED,
	      "env table: exited with status 0x%x (EXO_STATUS_DESTROYED)",
	      (int)exos_env_info((uint32_t)info.object)->status);
	ERR(exo_env_destroy((int)e), EXO_EBADF, "destroy it again (the capability died with it)");
	ERR(exo_env_start((int)ro), EXO_EBADF, "the derived capability died too");

	/* A second start is refused. */
	e2 = exos_env_spawn(yield_forever, 0, "spinner");
	ERR(exo_env_start((int)exos_env_cap((uint32_t)e2)), EXO_EBUSY,
	    "start a started environment");
	RET(exos_env_kill((uint32_t)e2), 0, "destroy it");

	/* The environment table fills up. */
	{
		long caps[EXO_NENV];
		int n = 0;
		long r = 0;

		while (n < EXO_NENV && (r = exo_env_create("filler")) > 0)
			caps[n++] = r;
		CHECK(n > 50 && n<EXO_NENV, "created %s environments until the table is full", n> 50
		              ? "more than 50"
		              : "too few");
		ERR(r, EXO_ENOMEM, "the next env_create");
		for (int i = 0; i < n; i++)
			if (exo_env_destroy((int)caps[i]) != 0)
				r = 1;
		CHECK(r != 1, "destroyed them all");
	}

	/* Destroying oneself. */
	e = exos_env_spawn(destroy_self, 0, "suicide");
	st = exos_env_wait((uint32_t)e);
	CHECK(st == EXO_STATUS_DESTROYED,
	      "a child that destroys itself ends with status 0x%lx (EXO_STATUS_DESTROYED)", st);
	return check_done();
}
