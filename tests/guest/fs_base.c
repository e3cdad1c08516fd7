/* fs_base [fsgsbase|nofsgsbase]: every environment keeps its own FS and GS bases.
 *
 * Two environments each point FS at a word of their own holding their own
 * marker (the same address in both would hide a missed switch, so each uses a
 * different one) and read it through %fs after every yield to the other, and
 * while the timer preempts them.  Where the kernel lets ring 3 write the bases
 * (EXO_KINFO_FSGSBASE), each sets them with wrfsbase/wrgsbase, changes them
 * between rounds, and checks GS too; otherwise through EXO_SYS_SET_FSBASE.
 * The argument says which the kernel must offer (`nofsgsbase` on the command
 * line turns it off).  Exits 0 if every read matched. */
#define TEST_NAME "fs_base"
#include <string.h>

#include <exos/env.h>
#include <exos/sched.h>
#include <exos/vm.h>

#include "check.h"

#define SHARED 0x4e0000000000ul
#define ROUNDS 400
#define SPIN   200000 /* reads per preempted round */

struct shared {
	volatile uint64_t peer_cap; /* the parent, in the child's table */
	volatile uint64_t bad[2], reads[2];
};
#define SH ((struct shared *)SHARED)

/* Per environment: words FS and GS point at (its own copy of the image). */
static uint64_t fs_words[2][2], gs_words[2][2];
static bool ring3; /* EXO_KINFO_FSGSBASE */

static uint64_t read_fs0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

static uint64_t read_gs0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	return v;
}

static void set_bases(int who, int k)
{
	if (exos_set_fsbase((uint64_t)&fs_words[who][k]) < 0)
		SH->bad[who]++;
	if (ring3)
		__asm__ volatile("wrgsbase %0" : : "r"((uint64_t)&gs_words[who][k]) : "memory");
}

static void check_bases(int who, int k)
{
	SH->reads[who]++;
	if (read_fs0() != fs_words[who][k] || (ring3 && read_gs0() != gs_words[who][k]))
		SH->bad[who]++;
}

/* who: 0 the parent, 1 the child; peer: a capability to yield to (-1: any). */
static void run(int who, long peer)
{
	for (int k = 0; k < 2; k++) {
		fs_words[who][k] = 0xf5000000u + (uint64_t)who * 16 + (uint64_t)k;
		gs_words[who][k] = 0x65000000u + (uint64_t)who * 16 + (uint64_t)k;
	}
	for (int r = 0; r < ROUNDS; r++) {
		int k = r % 2 && ring3; /* kernel calls cost: change it only in ring 3 */
		set_bases(who, k);
		exo_yield_to((int)peer);
		check_bases(who, k);
		exo_yield_to((int)peer);
		check_bases(who, k);
	}
	for (int i = 0; i < SPIN; i++) /* the timer switches meanwhile */
		check_bases(who, 1 && ring3);
}

static int child(void *arg)
{
	(void)arg;
	run(1, (long)SH->peer_cap);
	return 0;
}

int main(int argc, char **argv)
{
	ring3 = exo_kinfo()->flags & EXO_KINFO_FSGSBASE;
	if (argc > 1)
		CHECK(ring3 == !strcmp(argv[1], "fsgsbase"), "the kernel %s ring 3 write its bases",
		      ring3 ? "lets" : "does not let");
	if (exos_page_map(SHARED, EXO_PTE_W | EXO_PTE_NX) < 0)
		return 2;
	long id = exos_env_spawn_stopped(child, 0, "peer");
	CHECK(id > 0 && exos_env_share((uint32_t)id, SHARED, 1, EXO_PTE_W | EXO_PTE_NX) == 0,
	      "spawned the peer");
	long cap = id > 0 ? exos_env_cap((uint32_t)id) : -1;
	SH->peer_cap = (uint64_t)exo_cap_grant(EXO_CAP_SELF, (int)cap, EXO_RIGHT_READ);
	CHECK(exos_env_start((uint32_t)id) == 0, "started the peer");
	run(0, cap);
	RET(exos_env_wait((uint32_t)id), 0, "the peer exited");
	for (int who = 0; who < 2; who++)
		CHECK(SH->reads[who] > 0 && SH->bad[who] == 0, "%s: %lu reads of %%fs%s, %lu wrong",
		      who ? "child" : "parent", (unsigned long)SH->reads[who],
		      ring3 ? " and %gs" : "", (unsigned long)SH->bad[who]);
	ERR(exos_set_fsbase(EXO_USER_TOP), EXO_EINVAL, "a kernel address as the FS base");
	return check_done();
}
