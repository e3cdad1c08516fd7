/* map_errors: the kernel refuses every mapping a capability does not allow,
 * with a documented error: an empty or out-of-range slot, a capability of the
 * wrong type, a read-only derived capability used for a writable mapping,
 * addresses at or above EXO_USER_TOP, malformed operations.  The exact
 * result of each call is printed (and pinned by expected/map_errors.out). */
#define TEST_NAME "map_errors"
#include "check.h"

#define VA    0x10000000ul
#define PERMS (EXO_PTE_W | EXO_PTE_NX)

static long map1(int env, uint64_t va, long cap, uint64_t perm)
{
	struct exo_map_op op = {.npages = 1, .va = va, .cap = (int32_t)cap, .perm = perm};

	return exo_map(env, &op, 1);
}

/* A one-op map that must fail with -err and leave no mapping at va. */
#define MAPERR(va, cap, perm, err, what)                                                           \
	do {                                                                                       \
		uint64_t va_ = (va);                                                               \
		long r_ = map1(EXO_CAP_SELF, va_, cap, perm);                                      \
		int none_ = va_ >= EXO_USER_TOP || !(exos_pte(va_ & ~0xffful) & EXO_PTE_P);        \
		CHECK(r_ == -(long)(err) && none_, "%s -> %ld (%s)%s", what, r_,                   \
		      exos_strerror(r_), none_ ? "" : ", and it MAPPED the page");                 \
	} while (0)

int main(void)
{
	struct exo_cap_info info;
	long p = exo_cap_acquire(EXO_CAP_PAGE, EXO_ANY);

	CHECK(p > 0, "acquire any page -> a slot");
	CHECK(exo_cap_info((int)p, &info) == 0 && info.type == EXO_CAP_PAGE &&
	              info.rights == EXO_RIGHTS_ALL,
	      "the new capability is a page with all rights");

	/* Slots. */
	MAPERR(VA, 1000, PERMS, EXO_EBADF, "map with empty slot 1000");
	MAPERR(VA, -1, PERMS, EXO_EBADF, "map with slot -1");
	MAPERR(VA, EXO_CAP_SLOTS, PERMS, EXO_EBADF, "map with slot EXO_CAP_SLOTS");
	MAPERR(VA, EXO_CAP_SLOTS + 1, PERMS, EXO_EBADF, "map with slot EXO_CAP_SLOTS+1");
	ERR(exo_cap_release(1000), EXO_EBADF, "release empty slot 1000");
	ERR(exo_cap_release(-1), EXO_EBADF, "release slot -1");
	ERR(exo_cap_info(EXO_CAP_SLOTS, &info), EXO_EBADF, "info slot EXO_CAP_SLOTS");
	ERR(exo_cap_revoke(EXO_CAP_SLOTS + 1), EXO_EBADF, "revoke slot EXO_CAP_SLOTS+1");
	ERR(exo_cap_grant(1000, EXO_CAP_SELF, EXO_RIGHT_READ), EXO_EBADF, "grant empty slot 1000");
	ERR(exo_cap_grant((int)p, 1000, EXO_RIGHT_READ), EXO_EBADF, "grant to empty env slot 1000");

	/* Types. */
	MAPERR(VA, EXO_CAP_SELF, PERMS, EXO_EINVAL, "map with an env capability as the page");
	ERR(map1((int)p, VA, p, PERMS), EXO_EINVAL, "map into a page capability as the env");
	ERR(exo_unmap((int)p, VA, 1), EXO_EINVAL, "unmap with a page capability as the env");
	ERR(exo_cap_grant((int)p, (int)p, EXO_RIGHT_READ), EXO_EINVAL,
	    "grant to a page capability as the env");
	ERR(exo_cap_acquire(EXO_CAP_ENV, 1), EXO_EINVAL, "acquire type EXO_CAP_ENV");
	ERR(exo_cap_acquire(7, EXO_ANY), EXO_EINVAL, "acquire type 7");
	ERR(exo_cap_acquire(EXO_CAP_NONE, EXO_ANY), EXO_EINVAL, "acquire type EXO_CAP_NONE");

	/* Addresses and operations. */
	MAPERR(EXO_USER_TOP, p, PERMS, EXO_EINVAL, "map at EXO_USER_TOP");
	MAPERR(EXO_UVPT, p, 0, EXO_EINVAL, "map at EXO_UVPT");
	MAPERR(EXO_KERNBASE, p, 0, EXO_EINVAL, "map at EXO_KERNBASE");
	MAPERR(0x800000000000ul, p, 0, EXO_EINVAL, "map at a non-canonical address");
	MAPERR(VA + 8, p, PERMS, EXO_EINVAL, "map at an unaligned address");
	MAPERR(VA, p, EXO_PTE_P | EXO_PTE_W, EXO_EINVAL, "map with perm P set");
	MAPERR(VA, p, EXO_PTE_U, EXO_EINVAL, "map with perm U set");
	MAPERR(VA, p, 0x80, EXO_EINVAL, "map with perm PS set");
	MAPERR(VA, p, 0x10, EXO_EINVAL, "map with perm PCD set");
	{
		static struct exo_map_op ops[EXO_MAP_BATCH + 1];

		ERR(exo_map(EXO_CAP_SELF, ops, EXO_MAP_BATCH + 1), EXO_EINVAL,
		    "map EXO_MAP_BATCH+1 ops");
		RET(exo_map(EXO_CAP_SELF, ops, 0), 0, "map 0 ops");
	}
	ERR(exo_map(EXO_CAP_SELF, 0, 1), EXO_EFAULT, "map with ops = NULL");
	ERR(exo_map(EXO_CAP_SELF, (void *)EXO_KERNBASE, 1), EXO_EFAULT,
	    "map with ops in the kernel");
	ERR(exo_map(EXO_CAP_SELF, (void *)(EXO_USER_TOP - 8), 1), EXO_EFAULT,
	    "map with ops crossing EXO_USER_TOP");
	ERR(exo_unmap(EXO_CAP_SELF, EXO_USER_TOP - EXO_PAGE_SIZE, 2), EXO_EINVAL,
	    "unmap a range crossing EXO_USER_TOP");
	ERR(exo_unmap(EXO_CAP_SELF, VA, EXO_RANGE_MAX + 1), EXO_EINVAL,
	    "unmap EXO_MAP_BATCH+1 pages");
	ERR(exo_unmap(EXO_CAP_SELF, VA + 1, 1), EXO_EINVAL, "unmap an unaligned address");
	ERR(exo_protect(EXO_CAP_SELF, EXO_KERNBASE, 1, 0), EXO_EINVAL, "protect in the kernel");
	ERR(exo_protect(EXO_CAP_SELF, VA, 1, EXO_PTE_U), EXO_EINVAL, "protect with perm U");

	/* A batch stops at the first bad op and reports how many were done. */
	{
		struct exo_map_op ops[3] = {
		        {.npages = 1, .va = VA, .cap = (int32_t)p, .perm = PERMS},
		        {.npages = 1, .va = EXO_USER_TOP, .cap = (int32_t)p, .perm = PERMS},
		        {.npages = 1, .va = VA + EXO_PAGE_SIZE, .cap = (int32_t)p, .perm = PERMS},
		};

		RET(exo_map(EXO_CAP_SELF, ops, 3), 1, "map [good, at EXO_USER_TOP, good]");
		CHECK(exos_pte(VA) & EXO_PTE_P, "the first op was done");
		CHECK(!(exos_pte(VA + EXO_PAGE_SIZE) & EXO_PTE_P), "the third op was not");
		*(volatile uint64_t *)VA = 0x1234;
	}
	RET(map1(EXO_CAP_SELF, EXO_USER_TOP - EXO_PAGE_SIZE, p, PERMS), 1,
	    "map at EXO_USER_TOP - 4096 (the last user page)");

	/* Rights: a read-only derived capability. */
	{
		long ro = exo_cap_grant((int)p, EXO_CAP_SELF, EXO_RIGHT_READ | EXO_RIGHT_MAP);
		long nomap = exo_cap_grant((int)p, EXO_CAP_SELF, EXO_RIGHT_READ | EXO_RIGHT_WRITE);
		uint64_t ro_va = VA + 4 * EXO_PAGE_SIZE;

		CHECK(ro > 0 && nomap > 0, "grant p to ourselves: read+map, read+write");
		CHECK(exo_cap_info((int)ro, &info) == 0 &&
		              info.rights == (EXO_RIGHT_READ | EXO_RIGHT_MAP),
		      "the derived capability has exactly read+map");
		MAPERR(ro_va, ro, EXO_PTE_W, EXO_EPERM,
		       "map writable with the read-only derived capability");
		MAPERR(ro_va, nomap, 0, EXO_EPERM, "map with a capability without EXO_RIGHT_MAP");
		RET(map1(EXO_CAP_SELF, ro_va, ro, EXO_PTE_NX), 1, "map read-only with it");
		CHECK(*(volatile uint64_t *)ro_va == 0x1234, "it shows the same page");
		CHECK(exos_pfn(ro_va) == exos_pfn(VA), "same pfn in UVPT");
		ERR(exo_protect(EXO_CAP_SELF, ro_va, 1, EXO_PTE_W), EXO_EPERM,
		    "protect that mapping writable");
		/* Hidden: still present and bound, but not for ring 3 nor for the
		 * kernel's copies to and from user memory. */
		RET(exo_protect(EXO_CAP_SELF, VA, 1, EXO_PTE_HIDDEN | PERMS), 0,
		    "protect p's first mapping hidden");
		CHECK((exos_pte(VA) & (EXO_PTE_P | EXO_PTE_U | EXO_PTE_HIDDEN)) ==
		              (EXO_PTE_P | EXO_PTE_HIDDEN),
		      "UVPT: present and hidden, not user");
		ERR(exo_cap_info((int)p, (struct exo_cap_info *)VA), EXO_EFAULT,
		    "a kernel write into the hidden page");
		ERR(exo_protect(EXO_CAP_SELF, ro_va, 1, EXO_PTE_HIDDEN | EXO_PTE_W), EXO_EPERM,
		    "protect the read-only mapping hidden and writable");
		RET(exo_protect(EXO_CAP_SELF, VA, 1, PERMS), 0, "protect it shown again");
		CHECK(*(volatile uint64_t *)VA == 0x1234, "it kept its contents");
		ERR(exo_cap_grant((int)ro, EXO_CAP_SELF, EXO_RIGHT_READ), EXO_EPERM,
		    "grant from a capability without EXO_RIGHT_GRANT");
		ERR(exo_cap_revoke((int)ro), EXO_EPERM,
		    "revoke with a capability without EXO_RIGHT_REVOKE");
		{
			long g = exo_cap_grant((int)p, EXO_CAP_SELF,
			                       EXO_RIGHT_READ | EXO_RIGHT_GRANT);

			ERR(exo_cap_grant((int)g, EXO_CAP_SELF, EXO_RIGHT_READ | EXO_RIGHT_WRITE),
			    EXO_EPERM, "grant more rights than the capability has");
			ERR(exo_cap_grant((int)p, EXO_CAP_SELF, EXO_RIGHTS_ALL + 1), EXO_EPERM,
			    "grant an unknown right bit");
		}
		RET(exo_cap_revoke((int)p), 3, "revoke p (three derived capabilities)");
		CHECK(!(exos_pte(ro_va) & EXO_PTE_P),
		      "the mapping made with the derived one is gone");
		CHECK(exos_pte(VA) & EXO_PTE_P, "p's own mapping stays");
		MAPERR(ro_va, ro, 0, EXO_EBADF, "map with the revoked slot");
		ERR(exo_cap_info((int)ro, &info), EXO_EBADF, "info on the revoked slot");
	}

	/* Release: the page goes back to the free pool with every mapping. */
	{
		uint64_t pfn = exos_pfn(VA);

		CHECK(exos_pages()[pfn].type == EXO_PAGE_USER &&
		              exos_pages()[pfn].owner == exos_self_id() % EXO_NENV,
		      "page-info: the page is a user page of ours");
		CHECK(exos_pages()[pfn].refs == 2, "page-info: refs = 2 (two mappings)");
		RET(exo_cap_release((int)p), 0, "release p");
		CHECK(!(exos_pte(VA) & EXO_PTE_P) &&
		              !(exos_pte(EXO_USER_TOP - EXO_PAGE_SIZE) & EXO_PTE_P),
		      "both mappings are gone");
		CHECK(exos_pages()[pfn].type == EXO_PAGE_FREE && exos_pages()[pfn].refs == 0,
		      "page-info: the page is free again");
		ERR(exo_cap_info((int)p, &info), EXO_EBADF, "info on the released slot");
	}
	return check_done();
}
