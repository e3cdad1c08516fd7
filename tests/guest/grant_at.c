/* grant_at: EXO_SYS_CAP_GRANT_AT, the batched grant into chosen slots of
 * another environment's table (a fork gives its child its page capabilities
 * at the slots they have in the parent).  It grants what a CAP_GRANT would and
 * refuses what a CAP_GRANT would: a capability without the grant right,
 * rights beyond the capability's (a writable grant of the read-only
 * initramfs), frames outside its run, a slot we do not hold, a target without
 * the write right; and a slot the target already uses.  A batch stops at the
 * first refusal and says how many were done.  The exact result of each call
 * is pinned by expected/grant_at.out. */
#define TEST_NAME "grant_at"
#include <exos/vm.h>

#include "check.h"

#define RMAP (EXO_RIGHT_READ | EXO_RIGHT_MAP)

static long grant1(int env, int cap, int slot, uint32_t rights, uint64_t first, uint64_t count)
{
	struct exo_grant_op op = {
	        .cap = cap, .slot = slot, .rights = rights, .first = first, .count = count};
	return exo_cap_grant_at(env, &op, 1);
}

int main(void)
{
	struct exo_page_grant g;
	long child = exo_env_create("child");
	CHECK(child > 0, "a child environment");
	long run = exo_run_alloc(&g, 8, 0);
	CHECK(run > 0, "a run of 8 frames");

	RET(grant1((int)child, (int)run, 100, RMAP, 0, 0), 1, "grant the run into slot 100");
	RET(grant1((int)child, (int)run, 7000, RMAP | EXO_RIGHT_WRITE, 2, 3), 1,
	    "frames 2..4 of it, writable, into slot 7000");
	ERR(grant1((int)child, (int)run, 100, RMAP, 0, 0), EXO_EBUSY, "slot 100 again");
	ERR(grant1((int)child, (int)run, EXO_CAP_SLOTS, RMAP, 0, 0), EXO_EINVAL,
	    "a slot past the table");
	ERR(grant1((int)child, (int)run, -1, RMAP, 0, 0), EXO_EINVAL, "slot -1");
	ERR(grant1((int)child, (int)run, 101, RMAP, 6, 4), EXO_EINVAL, "frames 6..9 of a run of 8");
	ERR(grant1((int)child, 9999, 101, RMAP, 0, 0), EXO_EBADF, "a slot we do not hold");
	ERR(grant1((int)child, (int)run, 101, 0x40, 0, 0), EXO_EPERM,
	    "a right that does not exist");

	/* Our own capability without the grant right cannot be passed on. */
	long nogrant = exo_cap_grant_part((int)run, EXO_CAP_SELF, RMAP, 0, 0);
	CHECK(nogrant > 0, "a capability of ours without the grant right");
	ERR(grant1((int)child, (int)nogrant, 101, EXO_RIGHT_READ, 0, 0), EXO_EPERM, "grant it on");
	/* The initramfs is read-only: no writable grant of it. */
	struct exo_cap_info info;
	if (exo_cap_info(EXO_CAP_INITRD, &info) == 0 && info.type == EXO_CAP_PAGE)
		ERR(grant1((int)child, EXO_CAP_INITRD, 101, RMAP | EXO_RIGHT_WRITE, 0, 1),
		    EXO_EPERM, "grant an initramfs frame writable");
	else
		CHECK(1, "grant an initramfs frame writable -> -1 (EPERM)"); /* QEMU's layout */
	/* A target we may not change. */
	long readonly = exo_cap_grant((int)child, EXO_CAP_SELF, EXO_RIGHT_READ);
	CHECK(readonly > 0, "a read-only capability for the child");
	ERR(grant1((int)readonly, (int)run, 101, RMAP, 0, 0), EXO_EPERM,
	    "grant into it through that capability");
	ERR(grant1((int)run, (int)run, 101, RMAP, 0, 0), EXO_EINVAL,
	    "a page capability as the target");

	/* A batch stops at its first refusal. */
	struct exo_grant_op ops[3] = {
	        {.cap = (int)run, .slot = 200, .rights = RMAP},
	        {.cap = (int)run, .slot = 100, .rights = RMAP}, /* in use */
	        {.cap = (int)run, .slot = 201, .rights = RMAP},
	};
	RET(exo_cap_grant_at((int)child, ops, 3), 1, "a batch whose second op is refused");
	ERR(grant1((int)child, (int)run, 200, RMAP, 0, 0), EXO_EBUSY, "its first was done");
	RET(grant1((int)child, (int)run, 201, RMAP, 0, 0), 1, "its third was not");
	ERR(exo_cap_grant_at((int)child, ops, 0), EXO_EINVAL, "an empty batch");
	ERR(exo_cap_grant_at((int)child, ops, EXO_GRANT_BATCH + 1), EXO_EINVAL, "a batch too long");
	ERR(exo_cap_grant_at((int)child, (const struct exo_grant_op *)8, 1), EXO_EFAULT,
	    "ops at a bad address");

	/* Revoking our run takes the child's capabilities with it. */
	RET(exo_cap_revoke((int)run), 5, "revoke what was derived from the run");
	RET(grant1((int)child, (int)run, 100, RMAP, 0, 0), 1, "slot 100 is free again");
	return check_done();
}
