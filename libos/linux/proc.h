/* Processes of the Linux personality: the region every ExOS process shares
 * (shared.c), the process table in it (proctab.c), fork (fork.c), exec
 * (exec.c) and blocking (block.c).  See docs/libos.md, "Processes".
 *
 * A process is an environment.  Every environment is created by the first
 * one (env 1, the first Linux process), on request over LRPC: env 1 lives as
 * long as the machine, so capabilities derived from its roots (the shared
 * region, the initramfs) never die with a parent, and a child owns every other
 * frame it maps (fork.c copies them): a process never depends on its parent's
 * memory. */
#ifndef EXOS_LINUX_PROC_H
#define EXOS_LINUX_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exo/env.h>
#include <exo/pred.h>
#include <exos/vm.h>

#include "arena.h"
#include "linux.h"

/* The pid of the first process and its imaginary parent: pid 1 would make
 * some programs think they are init. */
#define PROC_FIRST_PID  2
#define PROC_INIT_PID   1
#define PROC_MAX        EXO_NENV
#define PROC_FPSTATE    4096         /* the program's FPU state at fork */
#define PROC_BOOT_STACK (64ul << 10) /* a fork child's stack until it owns memory */
#define PROC_CMDLINE    256          /* /proc/<pid>/cmdline of another process: the first bytes */

enum proc_state {
	PROC_FREE = 0,
	PROC_EMBRYO, /* being built by fork: boot_word says when it is done */
	PROC_RUN,
	PROC_ZOMBIE, /* exited: wstatus is valid until the parent reaps it */
};

struct proc {
	uint32_t pid, env_id, ppid, pgid, sid;
	uint32_t state;  /* enum proc_state */
	int32_t wstatus; /* Linux's wait status once a zombie */
	int32_t env1_cap;
	volatile uint64_t sigpending; /* signals sent to it (bit sig-1), taken at its next entry */
	volatile uint64_t sigseq;     /* ++ for each signal sent and child state change */
	volatile uint64_t boot_word;  /* fork: 0 while the child copies, 1 done, 2 failed */
	int32_t initrd_slot, shared_slot, call_slot, pad;
	uint64_t fs_base;
	uint64_t clone_flags, child_tid; /* CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID */
	uint64_t t_entered, t_copied;    /* fork: the child's TSC stamps, for the trace */
	/* Job control (signal.c stops, proctab.c reports): the stop signal while
	 * stopped, else 0; the state change the parent has not waited for
	 * (wait4's status: 0x7f | sig << 8 stopped, 0xffff continued; 0 none);
	 * whether this process's SIGCHLD action has SA_NOCLDSTOP. */
	volatile uint32_t stopped;
	volatile int32_t report;
	uint32_t nocldstop, pad2;
	/* What /proc/<pid> shows of it (procfs.c): its argv, NUL-separated
	 * (cut at PROC_CMDLINE bytes), and its name (the file's base name, 15
	 * bytes at most, as Linux's comm). */
	uint32_t cmdline_len;
	char comm[16];
	char cmdline[PROC_CMDLINE];
	struct linux_ctx ctx; /* fork: where the child resumes */
	uint8_t fpstate[PROC_FPSTATE] __attribute__((aligned(64)));
};

#define SHARED_MAGIC 0x65786f7370726f63ul /* "exosproc" */

struct shared_hdr {
	uint64_t magic;
	uint64_t size;   /* bytes */
	uint64_t mapped; /* [0, mapped) is in use: mapped by whoever touches it (shared.c) */
	volatile uint32_t lock;
	uint32_t next_pid;
	uint64_t alloc_lo; /* where the allocator's block starts (offset) */
	uint64_t pipes_va; /* pipe.c's table, 0 until the first pipe */
	uint64_t fs_va;    /* fs.c's shared state (the tree, open files), 0 until made */
	uint64_t usock_va; /* unix_socket.c's table, 0 until the first socket */
	/* ++ whenever any shared file (a pipe, a socket) changes: what a poll on
	 * more of them than a predicate has terms watches instead (poll.c). */
	volatile uint64_t io_seq;
	/* ++ at every futex wake on shared memory (shm.c), in any process: what
	 * a futex waiter there sleeps on besides its own process's wakes. */
	volatile uint64_t futex_seq;
	struct arena arena; /* the allocator (arena.c) over the rest of the region */
	struct proc procs[PROC_MAX];
};

/* ---- shared.c ---- */
/* The shared region, created by env 1 on first use (NULL: not available:
 * no memory, or a native program). */
struct shared_hdr *linux_shared(void);
/* Our slot for the region's capability. */
extern int linux_shared_cap;
/* For a fork child: the region is mapped already (slot cap). */
void linux_shared_adopt(int cap, uint64_t mapped);
/* Bytes of the region in use, which a fork lends its child. */
uint64_t linux_shared_mapped(void);
/* With the lock held: the region is mapped here up to end_va (false: past
 * its end). */
bool linux_shared_cover(uint64_t end_va);
/* Zeroed memory in the region (arena.c: 16-byte objects up to 2 KiB, pages
 * above): NULL when full.  Free with the size asked for. */
void *exos_shared_alloc(size_t bytes);
void exos_shared_free(void *p, size_t bytes);
/* D3: a spinlock that holds off the epilogue and yields when contended.
 * It nests: the file layer takes it around calls that take it again. */
void linux_shared_lock(void);
void linux_shared_unlock(void);
bool linux_shared_held(void); /* by this process: it must not block then */
/* The boot stack's top for the process in table slot i. */
uint64_t linux_shared_boot_stack(int i);

/* ---- proctab.c ---- */
/* Our own entry; NULL while we are the only process (no region yet). */
struct proc *linux_proc_self(void);
/* Makes our entry (env 1's, the first time the region is made). */
void linux_proc_first(struct shared_hdr *sh);
void linux_proc_set_self(struct proc *p);
/* A free entry with a fresh pid, EMBRYO, or NULL (the table is full). */
struct proc *linux_proc_alloc(void);
void linux_proc_free(struct proc *p);
struct proc *linux_proc_by_pid(uint32_t pid);
long linux_proc_getpid(void);
/* A signal to p: sets it pending and wakes it. */
void linux_proc_signal(struct proc *p, int sig);
/* The exit path: becomes a zombie (status: Linux's wait status), tells the
 * parent, re-parents the children. */
void linux_proc_exit(int wstatus);
/* Children the kernel ended without ExOS's exit path (a fault ExOS could
 * not handle, destroyed): they become zombies, killed by the signal their
 * status names, and we get SIGCHLD. */
void linux_proc_check_children(void);
/* Do we have children that run (whose end we must look for)? */
bool linux_proc_has_children(void);
/* kill(pid, sig) between processes (D5). */
long linux_kill(long pid, int sig);
/* A stop signal's default action: the process (all its threads) sleeps
 * until SIGCONT or SIGKILL is sent to it; the parent hears of both
 * (WUNTRACED, WCONTINUED, SIGCHLD).  Returns once continued. */
void linux_proc_stop(int sig);
/* Our SIGCHLD action's SA_NOCLDSTOP, for the children's stops. */
void linux_proc_nocldstop(bool on);
/* exec: the new program's path and arguments (len bytes, NUL-separated) for
 * /proc/<pid>/comm and cmdline. */
void linux_proc_set_cmdline(const char *path, const char *args, size_t len);
/* The first process is ending, and with it the machine (D7): end the others. */
void linux_proc_end_others(void);
extern const struct linux_syscall_def linux_proctab_syscalls[];
extern const size_t linux_proctab_nsyscalls;

/* ---- fork.c ---- */
extern const struct linux_syscall_def linux_fork_syscalls[];
extern const size_t linux_fork_nsyscalls;
/* env 1: serve environment creation to the others (once the region exists). */
long linux_fork_serve(void);

/* ---- block.c ---- */
/* D4: sleeps until the predicate (n terms, may be 0) holds, our signal
 * sequence word changes, or the deadline (monotonic ns, 0: none) passes.
 * 0: woken (re-check), -LINUX_EINTR: a signal is pending and not blocked,
 * -LINUX_ETIMEDOUT: the deadline passed. */
long linux_block(struct exo_pred_term *terms, int n, uint64_t deadline_ns);

/* ---- process.c ---- */
/* Ends the process killed by sig (WIFSIGNALED for the parent). */
_Noreturn void linux_exit_signaled(int sig);

/* ---- fd.c ---- */
void linux_fd_close_all(void);
void linux_fd_close_cloexec(void);
/* fork: every open pipe end gains the child's reference. */
void linux_fd_forked(int delta);

/* ---- process.c, mm.c, syscall.c ---- */
uint64_t linux_fs_base(void);
void linux_set_tid_address(uint64_t a);
void linux_mm_forget(void);
void linux_mm_exec(void);
void linux_rewrite_reset(void);
long linux_fs_exec_file(const char *path, const void **data, size_t *size);
extern const struct linux_syscall_def linux_exec_syscalls[];
extern const size_t linux_exec_nsyscalls;
_Noreturn void linux_ctx_resume(struct linux_ctx *ctx);

/* ---- signal.c ---- */
/* Signals sent by other processes become ours (at every entry and exit). */
void linux_signal_take(void);
/* Would a pending signal interrupt a blocking call now? */
bool linux_signal_interrupts(void);
/* The signal dispositions for exec: handlers back to default. */
void linux_signal_exec(void);
/* Is sig ignored (SIG_IGN, or SIG_DFL with an ignoring default)? */
bool linux_signal_ignored(int sig);
/* Another process sent us a signal we have not taken yet. */
bool linux_signal_waiting(void);
/* Whether our SIGCHLD action has SA_NOCLDSTOP. */
bool linux_signal_nocldstop(void);

#endif
