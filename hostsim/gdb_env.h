/* exosim --gdb: the kernel's environments, read from guest memory where the
 * kernel's debug agent said they are (struct pv_gdb_layout,
 * include/hw/exosim_pv.h), so that gdb sees each live environment as a
 * thread.  Everything read is guest data: checked against guest RAM and the
 * layout before use, never trusted.  Pure over a struct guest_mem: the unit
 * tests feed it fabricated layouts. */
#ifndef HOSTSIM_GDB_ENV_H
#define HOSTSIM_GDB_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exo/env.h>
#include <hw/exosim_pv.h>

struct guest_mem;

/* The thread that stands for the CPU when it runs no live environment
 * (before the first, idle, after the last exited).  No environment has this
 * id: ids are generation * EXO_NENV + slot, and slot 0 is never used. */
#define GDB_ENV_KERNEL ((uint32_t)EXO_NENV)
/* Before the kernel said where its environments are (booting), the CPU is
 * thread 1: the first environment's id, the thread it becomes, so that gdb's
 * thread numbers follow the environments' in the usual session. */
#define GDB_ENV_BOOT 1u

/* One environment's saved state, as the kernel keeps it while it does not run. */
struct gdb_env_state {
	struct pv_gdb_frame tf; /* the registers it resumes with */
	uint64_t cr3;           /* its page-table root */
	uint64_t fs_base, gs_base;
	const uint8_t *fxsave; /* its FPU area (512 bytes, FXSAVE's layout), NULL: initial state */
};

/* Takes the layout the kernel reported at gpa; false (and nothing changes)
 * if it is not readable or does not describe a table inside guest RAM. */
bool gdb_env_set_layout(const struct guest_mem *m, uint64_t gpa);
void gdb_env_reset(void); /* forgets it (a new boot, a test) */

/* The live environments' ids (not free, not exited), at most max; the count. */
size_t gdb_env_list(const struct guest_mem *m, uint32_t *ids, size_t max);

/* The id of the environment the CPU runs, GDB_ENV_KERNEL if none, or
 * GDB_ENV_BOOT before the layout is known. */
uint32_t gdb_env_current(const struct guest_mem *m);

/* "env 0x2 runnable: name", for qThreadExtraInfo; false if id is no live
 * environment (or GDB_ENV_KERNEL: "kernel, no environment"). */
bool gdb_env_describe(const struct guest_mem *m, uint32_t id, char *buf, size_t cap);

/* id's saved state; false if it is no live environment or its state is
 * unreadable. */
bool gdb_env_saved(const struct guest_mem *m, uint32_t id, struct gdb_env_state *st);

#endif
