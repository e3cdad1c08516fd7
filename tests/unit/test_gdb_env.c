/* exosim --gdb's view of the kernel's environments (hostsim/gdb_env.c) over
 * fabricated guest memory: a layout the kernel could report, then layouts and
 * tables a broken or hostile guest could, which must be refused or skipped,
 * never followed outside guest RAM (under ASan). */
#include <stdlib.h>
#include <string.h>

#include <exo/memlayout.h>

#include "gdb_env.h"
#include "guest_mem.h"
#include "unit.h"

#define RAM       0x100000ull
#define LAYOUT_PA 0x1000ull
#define CURENV_PA 0x1100ull
#define ENVS_PA   0x2000ull
#define INFO_PA   0x40000ull
#define TF_PA     0x50000ull
#define FPU_PA    0x60000ull

/* A struct env as the fake kernel lays it out. */
struct fake_env {
	uint64_t pml4;
	uint64_t info; /* kernel pointers: EXO_KERNBASE + physical */
	uint64_t ctx;
	uint64_t fs_base, gs_base;
	uint64_t fpu;
	uint8_t fresh;
	uint8_t pad[7];
};

static struct guest_mem mem;

static void *at(uint64_t pa)
{
	return gpa_ptr(&mem, pa, 1);
}

static struct fake_env *env(unsigned slot)
{
	return (struct fake_env *)at(ENVS_PA + slot * sizeof(struct fake_env));
}

static struct pv_gdb_layout *layout(void)
{
	return at(LAYOUT_PA);
}

/* Slot's environment: id, state, name, a frame with rip, its own FPU area. */
static void add_env(unsigned slot, uint32_t id, uint32_t state, const char *name, uint64_t rip)
{
	struct exo_env_info *info = at(INFO_PA + slot * sizeof(*info));
	*info = (struct exo_env_info){.id = id, .state = state};
	memcpy(info->name, name, strlen(name) + 1); /* short names only */
	struct pv_gdb_frame *tf = at(TF_PA + slot * sizeof(*tf));
	*tf = (struct pv_gdb_frame){.rip = rip, .rsp = 0x7000 + slot, .cs = 0x33, .ss = 0x2b};
	*env(slot) = (struct fake_env){.pml4 = 0x100000 * slot,
	                               .info = EXO_KERNBASE + INFO_PA + slot * sizeof(*info),
	                               .ctx = EXO_KERNBASE + TF_PA + slot * sizeof(*tf),
	                               .fs_base = 0xf5000 + slot,
	                               .gs_base = 0x65000 + slot,
	                               .fpu = EXO_KERNBASE + FPU_PA + slot * 512,
	                               .fresh = slot == 3};
	uint16_t fcw = (uint16_t)(0x300 + slot);
	memcpy(at(FPU_PA + slot * 512), &fcw, 2);
}

static void set_current(unsigned slot)
{
	uint64_t p = EXO_KERNBASE + ENVS_PA + slot * sizeof(struct fake_env);
	memcpy(at(CURENV_PA), &p, 8);
}

static void setup(void)
{
	ck_assert_int_eq(guest_mem_init(&mem, RAM), 0);
	gdb_env_reset();
	*layout() = (struct pv_gdb_layout){
	        .envs = ENVS_PA,
	        .curenv = CURENV_PA,
	        .nenv = EXO_NENV,
	        .env_size = sizeof(struct fake_env),
	        .off_pml4 = __builtin_offsetof(struct fake_env, pml4),
	        .off_info = __builtin_offsetof(struct fake_env, info),
	        .off_ctx = __builtin_offsetof(struct fake_env, ctx),
	        .off_fs = __builtin_offsetof(struct fake_env, fs_base),
	        .off_fpu = __builtin_offsetof(struct fake_env, fpu),
	        .off_fresh = __builtin_offsetof(struct fake_env, fresh),
	};
	add_env(1, 1, EXO_ENV_RUNNABLE, "parent", 0x401000);
	add_env(2, 2, EXO_ENV_SLEEPING, "child", 0x402000);
	add_env(3, 67, EXO_ENV_RUNNABLE, "", 0x403000); /* slot 3, second generation */
	add_env(4, 4, EXO_ENV_EXITED, "gone", 0x404000);
	set_current(1);
}

static void teardown(void)
{
	guest_mem_free(&mem);
}

START_TEST(before_the_layout_one_boot_thread)
{
	uint32_t ids[EXO_NENV];
	char text[64];
	ck_assert_uint_eq(gdb_env_list(&mem, ids, EXO_NENV), 0);
	ck_assert_uint_eq(gdb_env_current(&mem), GDB_ENV_BOOT);
	ck_assert(gdb_env_describe(&mem, GDB_ENV_BOOT, text, sizeof(text)));
	ck_assert_str_eq(text, "kernel, booting");
	struct gdb_env_state st;
	ck_assert(!gdb_env_saved(&mem, 1, &st));
}
END_TEST

START_TEST(environments)
{
	ck_assert(gdb_env_set_layout(&mem, LAYOUT_PA));
	uint32_t ids[EXO_NENV];
	ck_assert_uint_eq(gdb_env_list(&mem, ids, EXO_NENV), 3); /* not the exited one */
	ck_assert_uint_eq(ids[0], 1);
	ck_assert_uint_eq(ids[1], 2);
	ck_assert_uint_eq(ids[2], 67);
	ck_assert_uint_eq(gdb_env_list(&mem, ids, 2), 2); /* never more than asked */
	ck_assert_uint_eq(gdb_env_current(&mem), 1);
	char text[64];
	ck_assert(gdb_env_describe(&mem, 1, text, sizeof(text)));
	ck_assert_str_eq(text, "env 0x1 running: parent");
	ck_assert(gdb_env_describe(&mem, 2, text, sizeof(text)));
	ck_assert_str_eq(text, "env 0x2 sleeping: child");
	ck_assert(gdb_env_describe(&mem, 67, text, sizeof(text)));
	ck_assert_str_eq(text, "env 0x43 runnable");
	ck_assert(!gdb_env_describe(&mem, 3, text, sizeof(text))); /* slot 3's old id */
	ck_assert(!gdb_env_describe(&mem, 4, text, sizeof(text))); /* exited */
	ck_assert(gdb_env_describe(&mem, GDB_ENV_KERNEL, text, sizeof(text)));

	struct gdb_env_state st;
	ck_assert(gdb_env_saved(&mem, 2, &st));
	ck_assert_uint_eq(st.tf.rip, 0x402000);
	ck_assert_uint_eq(st.tf.rsp, 0x7002);
	ck_assert_uint_eq(st.cr3, 0x200000);
	ck_assert_uint_eq(st.fs_base, 0xf5002);
	ck_assert_uint_eq(st.gs_base, 0x65002);
	ck_assert_ptr_nonnull(st.fxsave);
	ck_assert_uint_eq(st.fxsave[0] | st.fxsave[1] << 8, 0x302);
	ck_assert(gdb_env_saved(&mem, 67, &st));
	ck_assert_ptr_null(st.fxsave); /* never saved: the initial state */
	ck_assert(!gdb_env_saved(&mem, 4, &st));
	ck_assert(!gdb_env_saved(&mem, GDB_ENV_KERNEL, &st));

	struct exo_env_info *info = at(INFO_PA + 2 * sizeof(*info)); /* the guest's bytes */
	memcpy(info->name, "a\nb\x7f", 5);
	ck_assert(gdb_env_describe(&mem, 2, text, sizeof(text)));
	ck_assert_str_eq(text, "env 0x2 sleeping: a?b?");
	memset(info->name, 'x', sizeof(info->name)); /* no NUL: cut at its size */
	ck_assert(gdb_env_describe(&mem, 2, text, sizeof(text)));
	ck_assert_uint_eq(strlen(text), strlen("env 0x2 sleeping: ") + sizeof(info->name));
}
END_TEST

/* No live environment runs (idle, or curenv a stale or bad pointer). */
START_TEST(current_outside_the_table)
{
	ck_assert(gdb_env_set_layout(&mem, LAYOUT_PA));
	set_current(4); /* exited */
	ck_assert_uint_eq(gdb_env_current(&mem), GDB_ENV_KERNEL);
	uint64_t bad[] = {0, EXO_KERNBASE + ENVS_PA + 1, EXO_KERNBASE + ENVS_PA - 48,
	                  EXO_KERNBASE + ENVS_PA + EXO_NENV * sizeof(struct fake_env), ~0ull};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		memcpy(at(CURENV_PA), &bad[i], 8);
		ck_assert_uint_eq(gdb_env_current(&mem), GDB_ENV_KERNEL);
	}
}
END_TEST

/* Layouts that do not describe a table in guest RAM are refused, and the
 * one known before stays. */
START_TEST(bad_layouts)
{
	ck_assert(!gdb_env_set_layout(&mem, RAM - 8)); /* the structure itself outside RAM */
	ck_assert(!gdb_env_set_layout(&mem, ~0ull));
	struct pv_gdb_layout good = *layout();
	struct pv_gdb_layout bad[] = {good, good, good, good, good, good, good, good, good, good};
	bad[0].nenv = EXO_NENV + 1;
	bad[1].env_size = 0;
	bad[2].env_size = 0x7fffffff;
	bad[3].off_pml4 = good.env_size - 4;
	bad[4].off_info = 0xffffffff;
	bad[5].off_fs = good.env_size - 8; /* gs_base would be outside */
	bad[6].off_fresh = good.env_size;
	bad[7].envs = RAM - 64;
	bad[8].envs = ~0ull - 8;
	bad[9].curenv = RAM - 4;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		*layout() = bad[i];
		ck_assert_msg(!gdb_env_set_layout(&mem, LAYOUT_PA), "bad layout %zu taken", i);
		ck_assert_uint_eq(gdb_env_current(&mem), GDB_ENV_BOOT);
	}
	*layout() = good;
	ck_assert(gdb_env_set_layout(&mem, LAYOUT_PA));
	*layout() = bad[0];
	ck_assert(!gdb_env_set_layout(&mem, LAYOUT_PA));
	ck_assert_uint_eq(gdb_env_current(&mem), 1); /* the good one stays */
}
END_TEST

/* Pointers in the table that lead outside RAM or to the wrong slot: the
 * environment is skipped, nothing is read there. */
START_TEST(bad_tables)
{
	ck_assert(gdb_env_set_layout(&mem, LAYOUT_PA));
	env(1)->info = INFO_PA; /* not a kernel pointer */
	env(2)->ctx = EXO_KERNBASE + RAM - 16;
	env(3)->info = ~0ull;
	uint32_t ids[EXO_NENV];
	ck_assert_uint_eq(gdb_env_list(&mem, ids, EXO_NENV), 1); /* 2: listed, frame bad */
	ck_assert_uint_eq(ids[0], 2);
	struct gdb_env_state st;
	ck_assert(!gdb_env_saved(&mem, 2, &st));
	ck_assert(!gdb_env_saved(&mem, 1, &st));
	ck_assert_uint_eq(gdb_env_current(&mem), GDB_ENV_KERNEL); /* 1's info is unreadable */
	add_env(5, 6, EXO_ENV_RUNNABLE, "wrong slot", 0);         /* id 6 in slot 5 */
	ck_assert_uint_eq(gdb_env_list(&mem, ids, EXO_NENV), 1);
	char text[64];
	ck_assert(!gdb_env_describe(&mem, 6, text, sizeof(text)));
	ck_assert(!gdb_env_describe(&mem, 5, text, sizeof(text)));
	env(2)->fpu = EXO_KERNBASE + RAM - 100; /* FPU area outside: the initial state */
	env(2)->ctx = EXO_KERNBASE + TF_PA + 2 * sizeof(struct pv_gdb_frame);
	ck_assert(gdb_env_saved(&mem, 2, &st));
	ck_assert_ptr_null(st.fxsave);
}
END_TEST

Suite *gdb_env_suite(void)
{
	Suite *s = suite_create("gdb_env");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, before_the_layout_one_boot_thread);
	tcase_add_test(tc, environments);
	tcase_add_test(tc, current_outside_the_table);
	tcase_add_test(tc, bad_layouts);
	tcase_add_test(tc, bad_tables);
	suite_add_tcase(s, tc);
	return s;
}
