/* exosim --gdb: a gdb remote-protocol server for the guest (docs/debugging.md).
 * gdb_stub.c speaks the protocol; gdb_kvm.c (these functions) is the machine
 * it debugs: the vCPU through KVM's guest-debug interface, and the kernel's
 * debug agent (include/hw/exosim_pv.h, PV_GDB_PORT) for ring 3 where KVM
 * cannot intercept there.  Every function is a no-op without --gdb. */
#ifndef HOSTSIM_GDB_H
#define HOSTSIM_GDB_H

#include <stdbool.h>

struct vm;
struct options;

/* Binds the listening socket for --gdb [HOST:]PORT, or fails with one line:
 * EXOSIM_EXIT_USAGE for a malformed address, EXOSIM_EXIT_NOFILE when the port
 * cannot be bound (in use).  wait: hold the guest until gdb connects. */
void gdb_listen(const char *spec, bool wait);

bool gdb_enabled(void);

/* The kernel command-line words --gdb adds (" exo.gdb=1"), or "". */
const char *gdb_cmdline(void);

/* Says on stderr how to connect and which symbol files to load. */
void gdb_banner(const struct options *o);

/* Before the first guest instruction: registers the agent's port, and with
 * wait, accepts gdb and lets it run the session until it resumes. */
void gdb_start(struct vm *vm);

/* The vCPU's KVM_RUN was interrupted (a signal) or stopped with
 * KVM_EXIT_DEBUG: returns DEV_CONTINUE or an exit status. */
int gdb_interrupted(struct vm *vm);
int gdb_debug_exit(struct vm *vm);

/* KVM_EXIT_INTERNAL_ERROR: on KVM-on-PVM, ring-0 code is emulated, and the
 * emulator stops at gdb's int3 instead of raising #BP.  GDB_NOT_MINE unless
 * rip is at one of gdb's breakpoints; then as gdb_debug_exit. */
#define GDB_NOT_MINE (-2)
int gdb_internal_error(struct vm *vm);

/* The run ends with status: a crash (EXOSIM_EXIT_CRASH) first stops for gdb
 * with the state kept; then gdb hears the exit.  Returns the status. */
int gdb_finish(struct vm *vm, int status);

#endif
