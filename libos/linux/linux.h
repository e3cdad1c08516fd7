/* ExOS's Linux personality: the interfaces between its modules.
 *
 * A static x86-64 Linux program runs in ExOS's own environment.  Its `syscall`
 * instructions reach ExOS in ring 3, either reflected by the kernel as an
 * upcall (EXO_VEC_SYSCALL) or, once the site has been rewritten, through a
 * direct call (entry.S).  Both paths build a struct linux_ctx and call
 * linux_syscall() (syscall.c), which dispatches through the tables each module
 * exports:
 *
 *   main.c     the program's settings, its stack, starting it
 *   load.c     its segments, mapped in place from the initramfs where they can be
 *   syscall.c  dispatch, tracing, the rewriting of syscall sites
 *   process.c  identity, time, exit, uname, limits, getrandom, misc
 *   signal.c   sigaction, sigprocmask, delivery of synchronous signals
 *   fs.c       the file layer's state and interfaces; its modules share
 *              vfs.h: fd.c descriptors, open.c, io.c reads and writes,
 *              poll.c, pipe.c, unix_socket.c (AF_UNIX), dev.c devices and the console, path.c
 *              lookup and cwd, stat.c, dir.c, tree.c (calls that change the tree), tmpfs.c (/tmp)
 *   mm.c       regions, the page pool, user-memory checks, page faults
 *   mmap.c     brk, mmap, munmap, mprotect, mremap and friends
 *
 * Everything here runs in ring 3 on ExOS's own stacks, compiled with
 * -mgeneral-regs-only: the program's SSE state is never touched. */
#ifndef EXOS_LINUX_H
#define EXOS_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hw/initramfs.h>

#include "abi.h"

/* ---- The program's address space ---------------------------------------
 *   0 .. 4 MiB                unmapped but for ExOS (a null pointer faults)
 *   1 MiB .. 4 MiB            ExOS itself (linked at 0x100000)
 *   0x400000 or PIE base      the program, then its brk heap
 *   1 GiB away from it        32 MiB for the syscall stubs (rewrite.c)
 *   .. LINUX_MMAP_TOP         mmap regions, allocated top-down
 *   LINUX_STACK_TOP - 8 MiB   the program's stack, grown on faults
 *   LINUX_TEXT_ALIAS ..       a writable alias of the program's text (rewriting)
 *   0x7d00_0000_0000 ..       ExOS's fixed regions (<exos/vm.h>) */
#define LINUX_PIE_BASE      0x555555554000ul
#define LINUX_MMAP_TOP      0x7a0000000000ul
#define LINUX_STACK_TOP     0x7b0000000000ul
#define LINUX_STACK_MAX     (8ul << 20)
#define LINUX_TEXT_ALIAS    0x7c0000000000ul
#define LINUX_EXOS_STACK_LO 0x7d0001000000ul /* ExOS's stack for direct calls */
#define LINUX_EXOS_STACK_HI 0x7d0001010000ul
#define LINUX_PIPE_BUFS     0x7d0002000000ul /* pipe buffers, mapped on first use (pipe.c) */
#define LINUX_STUB_ALIAS    0x7d0003000000ul /* the syscall stubs, writable (rewrite.c) */
#define LINUX_STUB_WINDOW   (32ul << 20)     /* their window's size, so the alias's */
#define LINUX_THREADS       0x7d0006000000ul /* threads' FPU pages and stacks (thread.c) */
#define LINUX_THREADS_MAX   (32ul << 20)
#define LINUX_ROOTFS        0x7d0100000000ul /* the root's tables, sized to the archive */
#define LINUX_ROOTFS_MAX    (4ul << 30)      /* (initrd.c) */
#define LINUX_TMPFS         0x7d0400000000ul /* /tmp's arena, mapped as it fills (tmpfs.c) */
#define LINUX_FS_PRIVATE    0x7d0300000000ul /* fs.c's state without a shared region */
#define LINUX_TMPFS_MAX     (64ul << 30)
/* A page mapped in one fixed region must not replace another's: the stubs'
 * alias once ran into the threads' (stubs were written into the main
 * thread's FPU page, where they never ran, and FPU state over stubs). */
_Static_assert(LINUX_EXOS_STACK_HI <= LINUX_STUB_ALIAS &&
                       LINUX_STUB_ALIAS + LINUX_STUB_WINDOW <= LINUX_THREADS &&
                       LINUX_THREADS + LINUX_THREADS_MAX <= LINUX_ROOTFS,
               "ExOS's fixed regions overlap");

/* A system call handler: the six argument registers (rdi rsi rdx r10 r8 r9);
 * returns the value for rax (>= 0, or -LINUX_E*). */
typedef long (*linux_sysfn)(long a1, long a2, long a3, long a4, long a5, long a6);

/* Defining a handler: SYS(name) { UNUSED6; ... } with arguments a1..a6. */
#define SYS(name) static long name(long a1, long a2, long a3, long a4, long a5, long a6)
#define UNUSED6   (void)a1, (void)a2, (void)a3, (void)a4, (void)a5, (void)a6

struct linux_syscall_def {
	int nr;           /* LINUX_SYS_* */
	const char *name; /* for --trace-syscalls */
	linux_sysfn fn;
};

/* A table entry for handler sys_<name> of call LINUX_SYS_<name>. */
#define LINUX_DEF(name)                                                                            \
	{                                                                                          \
		LINUX_SYS_##name, #name, sys_##name                                                \
	}

/* Each module's table (nr order does not matter); syscall.c merges them. */
extern const struct linux_syscall_def linux_fd_syscalls[];
extern const size_t linux_fd_nsyscalls;
extern const struct linux_syscall_def linux_open_syscalls[];
extern const size_t linux_open_nsyscalls;
extern const struct linux_syscall_def linux_io_syscalls[];
extern const size_t linux_io_nsyscalls;
extern const struct linux_syscall_def linux_poll_syscalls[];
extern const size_t linux_poll_nsyscalls;
extern const struct linux_syscall_def linux_pipe_syscalls[];
extern const size_t linux_pipe_nsyscalls;
extern const struct linux_syscall_def linux_dev_syscalls[];
extern const size_t linux_dev_nsyscalls;
extern const struct linux_syscall_def linux_path_syscalls[];
extern const size_t linux_path_nsyscalls;
extern const struct linux_syscall_def linux_stat_syscalls[];
extern const size_t linux_stat_nsyscalls;
extern const struct linux_syscall_def linux_dir_syscalls[];
extern const size_t linux_dir_nsyscalls;
extern const struct linux_syscall_def linux_tree_syscalls[];
extern const size_t linux_tree_nsyscalls;
extern const struct linux_syscall_def linux_mm_syscalls[];
extern const size_t linux_mm_nsyscalls;
extern const struct linux_syscall_def linux_process_syscalls[];
extern const size_t linux_process_nsyscalls;
extern const struct linux_syscall_def linux_signal_syscalls[];
extern const size_t linux_signal_nsyscalls;

/* The program's registers at a system call or exception, in the order of
 * Linux's mcontext_t gregs (REG_R8 = 0 ... REG_RIP = 16, REG_EFL = 17), so a
 * signal frame is a copy.  rip is where the program resumes. */
struct linux_ctx {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	uint64_t rflags;
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- syscall.c -------------------------------------------------------- */

struct elf64_image;
/* Builds the dispatch table, registers the EXO_VEC_SYSCALL upcall (with
 * EXO_EV_SYSCALL) and, if rewriting, sets up rewrite.c.  img: the program,
 * whose executable segments are the only rewritable code. */
void linux_syscall_init(const struct elf64_image *img);
/* Only the dispatch table (native programs, <exos/unix.h>). */
void linux_syscall_table_init(void);

/* Runs fn(c) on ExOS's own stack (LINUX_EXOS_STACK_*). */
void linux_on_exos_stack(void (*fn)(struct linux_ctx *), struct linux_ctx *c);
/* The context of the call being served (for rt_sigreturn, kill to self). */
extern struct linux_ctx *linux_cur_ctx;
/* Counters for the statistics ExOS prints with --trace-syscalls. */
extern uint64_t linux_syscalls_trapped, linux_syscalls_direct;

/* readv's later buffers do not wait (io.c). */
bool linux_read_later_iov(void);
void linux_read_got(void);

/* ---- rewrite.c -------------------------------------------------------- */

/* Reserves the stub window near img (if rewriting). */
void linux_rewrite_init(const struct elf64_image *img);
/* npages of program text at va, mapped executable: syscall sites there may
 * be rewritten, through a writable alias at LINUX_TEXT_ALIAS + (va - image
 * low) mapped a page at a time on the first write to it. */
void linux_text_alias(uint64_t va, size_t npages);

/* ---- load.c ----------------------------------------------------------- */

/* Maps the program's segments (file: its bytes in the initramfs, size long),
 * in place where the archive allows (load.c), with their final permissions;
 * notes their regions.  Refuses the program (EXOSIM_EXIT_NOMEM, one line) if
 * it does not fit. */
struct elf64_image;
void linux_load_image(const struct elf64_image *img, const uint8_t *file, size_t size);
/* Its pages mapped in place from the initramfs, and fresh (copied or zero),
 * for --trace-syscalls. */
extern uint64_t linux_image_in_place, linux_image_fresh;
/* The `syscall` at s trapped, with the registers c it was executed with:
 * counts the site and rewrites it if its form allows (then c->rip may move
 * to where the program must resume). */
void linux_site_trapped(uint64_t s, struct linux_ctx *c);
/* A #UD at rip may be a jump into a rewritten site: to its `syscall`
 * (LINUX_UD_SYSCALL: serve the call) or to the instruction after it
 * (LINUX_UD_RESUME: continue at *resume, the stub's copy).  0 otherwise. */
enum { LINUX_UD_SYSCALL = 1, LINUX_UD_RESUME };
int linux_site_ud(uint64_t rip, uint64_t *resume);
/* For --trace-syscalls at exit: one line per site left trapping. */
void linux_sites_trace(void);
/* Sites whose `syscall` trapped at least once; those rewritten. */
extern uint64_t linux_sites_seen, linux_sites_rewritten;

/* Serves the call in ctx->rax with ctx's argument registers and writes the
 * result to ctx->rax.  It may change any of ctx (rt_sigreturn, a signal
 * delivered on the way out) and does not return for exit. */
void linux_syscall(struct linux_ctx *ctx);

/* ---- mm.c ------------------------------------------------------------- */

/* True if [addr, addr+len) is program memory that may be read (write=false)
 * or written (write=true) now.  Pages of demand-paged regions are faulted in
 * first, so ExOS can then touch the memory without faulting.  len 0 is ok. */
bool linux_user_ok(uint64_t addr, size_t len, bool write);
/* 0 or -LINUX_EFAULT; nothing is copied on failure. */
long linux_copy_from_user(void *dst, uint64_t src, size_t n);
long linux_copy_to_user(uint64_t dst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most max-1 bytes plus the NUL; returns
 * its length, -LINUX_EFAULT, or -LINUX_ENAMETOOLONG if no NUL within max. */
long linux_strncpy_from_user(char *dst, uint64_t src, size_t max);

/* Sets up the program's memory map: brk starts at brk_start (page-aligned,
 * just above the highest segment). */
void linux_mm_init(uint64_t brk_start);
/* Records a region the loader mapped itself (segments, stack) so that
 * munmap/mprotect/mremap and the fault handler know it.  prot: LINUX_PROT_*. */
void linux_mm_note_region(uint64_t va, size_t len, int prot, const char *what);
/* A downward-growing stack region [top - max, top) of which the top
 * `initial` bytes are mapped now; the rest faults in on use. */
long linux_mm_stack(uint64_t top, size_t max, size_t initial);
/* The #PF policy for program regions: 1 if the fault was served (demand
 * page, stack growth), 0 if it is the program's fault (SIGSEGV; *code gets
 * LINUX_SEGV_MAPERR or LINUX_SEGV_ACCERR), -1 if a page the program may use
 * could not be had: memory ran out. */
int linux_mm_fault(uint64_t addr, uint64_t err, int *code);

/* ---- fs.c ------------------------------------------------------------- */

/* Opens stdin/stdout/stderr on the console and indexes the initramfs. */
void linux_fs_init(void);
/* A file of the initramfs, by absolute or cwd-relative path: its bytes
 * (read-only, in the exported initramfs) and size, or NULL. */
const void *linux_fs_file(const char *path, size_t *size);
/* Reads from an open descriptor at off into ExOS memory, for mmap of a file
 * (MAP_PRIVATE).  Returns bytes read or -LINUX_E*. */
long linux_fs_pread(int fd, void *buf, size_t n, uint64_t off);

/* ---- initrd.c --------------------------------------------------------- */

struct rootfs;
/* Indexes the whole initramfs into fs, its tables sized to the archive plus
 * `extra` nodes and mapped at LINUX_ROOTFS.  An archive that is malformed or
 * whose entries cannot all be placed ends ExOS with exosim's status 123 and
 * one line (names escaped); no memory for the tables, with 126. */
void linux_initrd_root(struct rootfs *fs, uint32_t extra);

/* ---- signal.c --------------------------------------------------------- */

void linux_signal_init(void);
/* Delivers a synchronous signal (from an exception) to the program: builds a
 * signal frame and points ctx at the handler, or ends the program as Linux
 * would (status 128 + sig) if the signal is ignored-by-default-fatal, blocked
 * or has no handler.  addr is si_addr, code si_code. */
void linux_signal_sync(struct linux_ctx *ctx, int sig, int code, uint64_t addr, int trapno);
/* A signal the program causes itself (kill to itself, SIGPIPE): pending,
 * delivered on the way out of the current call.  ctx is unused (kept for
 * callers' clarity).  0 or -LINUX_E*. */
long linux_signal_raise(struct linux_ctx *ctx, int sig);
/* Delivers a pending, unblocked signal (raised by the program itself with
 * kill/tkill/tgkill) on the way out of a system call. */
void linux_signal_deliver_pending(struct linux_ctx *ctx);

/* ---- process.c -------------------------------------------------------- */

/* Ends the program with a Linux exit status (0..255, or 128 + signal). */
_Noreturn void linux_exit(int status);
/* Ends ExOS, before the program runs, with one of exosim's statuses
 * (EXOSIM_EXIT_*, which ExOS reports for exosim) and a message on stderr:
 * one line, "exos: ...\n", anything from the archive in it escaped. */
_Noreturn void linux_refuse(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Nanoseconds since boot from the TSC, and since the epoch (ring 3 only). */
uint64_t linux_monotonic_ns(void);
/* A new program's ELF auxiliary vector, as Linux builds it (exec.c; main.c's
 * first program too): AT_PLATFORM, AT_RANDOM and AT_EXECFN point at what the caller pushed. */
#define LINUX_AUXV_N 20
struct elf64_image;
void linux_auxv(uint64_t aux[LINUX_AUXV_N][2], const struct elf64_image *img, uint64_t platform,
                uint64_t random, uint64_t execfn);

/* Our process id and its parent's (process.c). */
long linux_pid(void);
long linux_ppid(void);
uint64_t linux_realtime_ns(void);

/* ---- options (main.c), from the initramfs file exosim/exos ------------- */
#define LINUX_NGROUPS_MAX 256 /* exosim passes at most this many (hostsim/host_user.h) */
struct linux_options {
	bool trace;          /* --trace-syscalls: one line per call on stderr */
	bool rewrite;        /* rewrite syscall sites into calls (default on) */
	bool isatty[3];      /* exosim's own stdin, stdout, stderr are terminals */
	uint16_t rows, cols; /* the terminal's size, if any */
	uint32_t uid, gid;   /* exosim's user and group */
	uint32_t ngroups;    /* its supplementary groups (getgroups) */
	uint32_t groups[LINUX_NGROUPS_MAX];
	uint64_t sigign; /* signals exosim was started with ignored (bit sig-1) */
	/* the program's absolute path in the initramfs: "/" and up to PATH_MAX */
	char program[INITRAMFS_PATH_MAX + 1];
};
extern struct linux_options linux_opts;

#endif
