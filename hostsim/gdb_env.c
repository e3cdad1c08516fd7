/* exosim --gdb: the kernel's environments as gdb threads (gdb_env.h). */
#include <stdio.h>
#include <string.h>

#include <exo/memlayout.h>

#include "gdb_env.h"
#include "guest_mem.h"

#define ENV_SIZE_MAX (1u << 20) /* a struct env is a few KiB; more is not a layout */

static struct pv_gdb_layout L;
static bool known;

void gdb_env_reset(void)
{
	known = false;
}

/* A field of `size` bytes at `off` lies inside a struct env. */
static bool field_ok(uint32_t off, uint32_t size, uint32_t env_size)
{
	return off <= env_size && size <= env_size - off;
}

bool gdb_env_set_layout(const struct guest_mem *m, uint64_t gpa)
{
	const struct pv_gdb_layout *p = gpa_ptr(m, gpa, sizeof(*p));
	if (!p)
		return false;
	struct pv_gdb_layout l;
	memcpy(&l, p, sizeof(l));
	if (l.nenv != EXO_NENV || l.env_size == 0 || l.env_size > ENV_SIZE_MAX ||
	    !field_ok(l.off_pml4, 8, l.env_size) || !field_ok(l.off_info, 8, l.env_size) ||
	    !field_ok(l.off_ctx, 8, l.env_size) || !field_ok(l.off_fs, 16, l.env_size) ||
	    !field_ok(l.off_fpu, 8, l.env_size) || !field_ok(l.off_fresh, 1, l.env_size) ||
	    !gpa_ptr(m, l.envs, (uint64_t)l.nenv * l.env_size) || !gpa_ptr(m, l.curenv, 8))
		return false;
	L = l;
	known = true;
	return true;
}

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* The guest RAM behind a kernel pointer (the direct map), len bytes; NULL if
 * it points elsewhere. */
static const void *kernel_ptr(const struct guest_mem *m, uint64_t va, uint64_t len)
{
	return va >= EXO_KERNBASE ? gpa_ptr(m, va - EXO_KERNBASE, len) : NULL;
}

static const uint8_t *env_at(const struct guest_mem *m, uint32_t slot)
{
	if (!known || slot >= L.nenv)
		return NULL;
	return gpa_ptr(m, L.envs + (uint64_t)slot * L.env_size, L.env_size);
}

/* Slot's exported info if it holds a live environment. */
static bool live_info(const struct guest_mem *m, uint32_t slot, struct exo_env_info *out)
{
	const uint8_t *e = env_at(m, slot);
	const struct exo_env_info *info;
	if (!e || !(info = kernel_ptr(m, u64_at(e + L.off_info), sizeof(*info))))
		return false;
	memcpy(out, info, sizeof(*out));
	return out->state != EXO_ENV_FREE && out->state != EXO_ENV_EXITED &&
	       out->id % EXO_NENV == slot;
}

size_t gdb_env_list(const struct guest_mem *m, uint32_t *ids, size_t max)
{
	size_t n = 0;
	struct exo_env_info info;
	for (uint32_t s = 1; known && s < L.nenv && n < max; s++)
		if (live_info(m, s, &info))
			ids[n++] = info.id;
	return n;
}

uint32_t gdb_env_current(const struct guest_mem *m)
{
	const uint8_t *p;
	if (!known) /* booting: the thread the first environment's will be */
		return GDB_ENV_BOOT;
	if (!(p = gpa_ptr(m, L.curenv, 8)))
		return GDB_ENV_KERNEL;
	uint64_t cur = u64_at(p), first = L.envs + EXO_KERNBASE;
	struct exo_env_info info;
	if (cur < first || (cur - first) % L.env_size || (cur - first) / L.env_size >= L.nenv ||
	    !live_info(m, (uint32_t)((cur - first) / L.env_size), &info))
		return GDB_ENV_KERNEL;
	return info.id;
}

static const char *state_name(uint32_t state)
{
	static const char *const names[] = {[EXO_ENV_CREATED] = "created",
	                                    [EXO_ENV_RUNNABLE] = "runnable",
	                                    [EXO_ENV_SLEEPING] = "sleeping",
	                                    [EXO_ENV_BLOCKED] = "blocked in a PCT"};
	return state < sizeof(names) / sizeof(names[0]) && names[state] ? names[state] : "?";
}

bool gdb_env_describe(const struct guest_mem *m, uint32_t id, char *buf, size_t cap)
{
	if (id == GDB_ENV_KERNEL || (!known && id == GDB_ENV_BOOT)) {
		snprintf(buf, cap, known ? "kernel, no environment" : "kernel, booting");
		return true;
	}
	struct exo_env_info info;
	if (!live_info(m, id % EXO_NENV, &info) || info.id != id)
		return false;
	char name[sizeof(info.name) + 1];
	memcpy(name, info.name, sizeof(info.name));
	name[sizeof(info.name)] = 0;
	for (char *c = name; *c; c++) /* the guest's bytes: printable only */
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
	bool running = gdb_env_current(m) == id;
	snprintf(buf, cap, "env 0x%x %s%s%s", id, running ? "running" : state_name(info.state),
	         name[0] ? ": " : "", name);
	return true;
}

bool gdb_env_saved(const struct guest_mem *m, uint32_t id, struct gdb_env_state *st)
{
	struct exo_env_info info;
	const uint8_t *e;
	if (id == GDB_ENV_KERNEL || !live_info(m, id % EXO_NENV, &info) || info.id != id ||
	    !(e = env_at(m, id % EXO_NENV)))
		return false;
	const struct pv_gdb_frame *tf = kernel_ptr(m, u64_at(e + L.off_ctx), sizeof(*tf));
	if (!tf)
		return false;
	memcpy(&st->tf, tf, sizeof(st->tf));
	st->cr3 = u64_at(e + L.off_pml4);
	st->fs_base = u64_at(e + L.off_fs);
	st->gs_base = u64_at(e + L.off_fs + 8);
	st->fxsave = e[L.off_fresh] ? NULL : kernel_ptr(m, u64_at(e + L.off_fpu), 512);
	return true;
}
