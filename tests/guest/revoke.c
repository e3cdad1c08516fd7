/* revoke: revocation reaches every capability derived from the revoked one,
 * in every environment, and every mapping made with them.
 *
 * We share a page P with a child: we grant it a read+map+grant capability (slot
 * s in ITS table), it maps P with s, derives s2 = grant(s, itself) and maps P
 * again with s2; mapping P writable with s fails.  Then we revoke P: the
 * child checks through its UVPT that both mappings are gone and that s and s2
 * are dead, while our own mapping of P stays.  A mailbox page mapped in both
 * address spaces carries the handshake.  Finally a release of P (a root) frees
 * the page with all its mappings. */
#define TEST_NAME "revoke"
#include <exos/env.h>
#include <exos/vm.h>

#include "check.h"

#define MB    0x600000000ul /* mailbox, shared writable */
#define VP    0x600100000ul /* P in the parent */
#define VX    0x600200000ul /* P in the child, with s */
#define VY    0x600300000ul /* ... writable attempt */
#define VZ    0x600400000ul /* ... with s2 */
#define MAGIC 0x5eedf00dcafe1234ul

struct mailbox {
	volatile int
	        state; /* 0 wait, 1 parent: go, 2 child: mapped, 3 parent: revoked, 4 child: done */
	volatile int slot;
	volatile long map_s, map_w, grant_s2, map_s2, read_x, read_z;
	volatile long pte_x, pte_z, map_after, info_s, info_s2;
};

static long map1(int env, uint64_t va, long cap, uint64_t perm)
{
	struct exo_map_op op = {.npages = 1, .va = va, .cap = (int32_t)cap, .perm = perm};

	return exo_map(env, &op, 1);
}

static int child(void *unused)
{
	struct mailbox *mb = (struct mailbox *)MB;
	struct exo_cap_info info;
	long s;

	(void)unused;
	while (mb->state != 1)
		exo_yield();
	s = mb->slot;
	mb->map_s = map1(EXO_CAP_SELF, VX, s, EXO_PTE_NX);
	mb->map_w = map1(EXO_CAP_SELF, VY, s, EXO_PTE_W);
	mb->grant_s2 = exo_cap_grant((int)s, EXO_CAP_SELF, EXO_RIGHT_READ | EXO_RIGHT_MAP);
	mb->map_s2 = map1(EXO_CAP_SELF, VZ, mb->grant_s2, EXO_PTE_NX);
	mb->read_x = *(volatile uint64_t *)VX == MAGIC;
	mb->read_z = *(volatile uint64_t *)VZ == MAGIC;
	mb->state = 2;
	while (mb->state != 3)
		exo_yield();
	mb->pte_x = (long)(exos_pte(VX) & EXO_PTE_P);
	mb->pte_z = (long)(exos_pte(VZ) & EXO_PTE_P);
	mb->map_after = map1(EXO_CAP_SELF, VX, s, EXO_PTE_NX);
	mb->info_s = exo_cap_info((int)s, &info);
	mb->info_s2 = exo_cap_info((int)mb->grant_s2, &info);
	mb->state = 4;
	return 0;
}

int main(void)
{
	struct mailbox *mb = (struct mailbox *)MB;
	long mcap, p, id, kid, s, st;

	mcap = exos_page_map(MB, EXO_PTE_W | EXO_PTE_NX);
	p = exos_page_map(VP, EXO_PTE_W | EXO_PTE_NX);
	CHECK(mcap > 0 && p > 0, "mailbox and page P mapped in our space");
	*(volatile uint64_t *)VP = MAGIC;

	id = exos_env_spawn_stopped(child, 0, "revokee");
	kid = exos_env_cap((uint32_t)id);
	CHECK(id > 0 && kid > 0, "spawned the child");
	RET(map1((int)kid, MB, mcap, EXO_PTE_W | EXO_PTE_NX), 1, "map the mailbox into the child");
	RET(exos_env_start((uint32_t)id), 0, "start it");
	s = exo_cap_grant((int)p, (int)kid, EXO_RIGHT_READ | EXO_RIGHT_MAP | EXO_RIGHT_GRANT);
	CHECK(s > 0, "grant P to the child: read+map+grant (a slot in its table)");
	mb->slot = (int)s;
	mb->state = 1;
	while (mb->state != 2)
		exo_yield();
	CHECK(mb->map_s == 1 && mb->read_x, "child: mapped P read-only with s and read our data");
	CHECK(mb->map_w == -EXO_EPERM, "child: mapping P writable with s -> %ld (%s)", mb->map_w,
	      exos_strerror(mb->map_w));
	CHECK(mb->grant_s2 > 0 && mb->map_s2 == 1 && mb->read_z,
	      "child: derived s2 from s, mapped P with it too");
	CHECK(exos_pages()[exos_pfn(VP)].refs == 3, "page-info: P has 3 mappings");

	RET(exo_cap_revoke((int)p), 2, "revoke P: two derived capabilities (s, s2)");
	CHECK(exos_pte(VP) & EXO_PTE_P && *(volatile uint64_t *)VP == MAGIC,
	      "our own mapping of P stays");
	CHECK(exos_pages()[exos_pfn(VP)].refs == 1, "page-info: P has 1 mapping");
	mb->state = 3;
	while (mb->state != 4)
		exo_yield();
	CHECK(!mb->pte_x && !mb->pte_z, "child: both its mappings of P are gone (its UVPT)");
	CHECK(mb->map_after == -EXO_EBADF, "child: mapping with s again -> %ld (%s)", mb->map_after,
	      exos_strerror(mb->map_after));
	CHECK(mb->info_s == -EXO_EBADF && mb->info_s2 == -EXO_EBADF,
	      "child: s and s2 are empty slots now (-EBADF)");
	st = exos_env_wait((uint32_t)id);
	CHECK(st == 0, "child exited %ld", st);

	/* Within one environment, and a root's release. */
	{
		uint64_t pfn = exos_pfn(VP);
		long d = exo_cap_grant((int)p, EXO_CAP_SELF, EXO_RIGHT_READ | EXO_RIGHT_MAP);

		RET(map1(EXO_CAP_SELF, VX, d, EXO_PTE_NX), 1,
		    "map P again with a derived capability d");
		ERR(exo_cap_revoke((int)d), EXO_EPERM, "revoke with d (no EXO_RIGHT_REVOKE)");
		RET(exo_cap_release((int)p), 0, "release P itself");
		CHECK(!(exos_pte(VP) & EXO_PTE_P) && !(exos_pte(VX) & EXO_PTE_P),
		      "both mappings are gone");
		ERR(map1(EXO_CAP_SELF, VX, d, EXO_PTE_NX), EXO_EBADF, "map with d");
		CHECK(exos_pages()[pfn].type == EXO_PAGE_FREE, "page-info: P is free");
	}
	return check_done();
}
