/* Wrappers for the exokernel calls (include/exo/syscall.h).
 *
 * Two ways into the kernel:
 *  - exo_syscall*(): call the gate at EXO_GATE_SYSCALL.  The kernel writes the
 *    fastest entry that works on this machine into it.  This is the normal path.
 *  - exo_syscall_raw*(): a bare `syscall` instruction.  The kernel accepts it
 *    everywhere, but it is slower where `syscall` does not reach ring 0 (KVM on
 *    PVM).  Used by tests to prove both entry paths.
 *
 * Register convention: rax = number, arguments in rdi rsi rdx r10 r8 r9,
 * result in rax (>= 0 success, -EXO_E* failure); rcx r11 rdi rsi rdx r8 r9 r10
 * are clobbered.  User code is built with -mno-red-zone, so the `call` pushing
 * a return address below rsp from inside inline asm is safe. */
#ifndef EXOS_SYS_H
#define EXOS_SYS_H

#include <stddef.h>
#include <stdint.h>

#include <exo/cap.h>
#include <exo/disk.h>
#include <exo/env.h>
#include <exo/errno.h>
#include <exo/kinfo.h>
#include <exo/memlayout.h>
#include <exo/page.h>
#include <exo/pred.h>
#include <exo/sched.h>
#include <exo/status.h>
#include <exo/syscall.h>
#include <exo/trap.h>

static inline long exo_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	/* The gate is loaded into a register the call does not clobber (the
	 * compiler can only pick rbx, rbp or r12-r15 here). */
	__asm__ volatile("call *%[gate]"
	                 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8), "+r"(r9)
	                 : "0"(nr), [gate] "r"(EXO_GATE_SYSCALL)
	                 : "rcx", "r11", "memory", "cc");
	return ret;
}

static inline long exo_syscall_raw6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
	                 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8), "+r"(r9)
	                 : "0"(nr)
	                 : "rcx", "r11", "memory", "cc");
	return ret;
}

static inline long exo_syscall0(long nr)
{
	return exo_syscall6(nr, 0, 0, 0, 0, 0, 0);
}

static inline long exo_syscall1(long nr, long a1)
{
	return exo_syscall6(nr, a1, 0, 0, 0, 0, 0);
}

static inline long exo_syscall2(long nr, long a1, long a2)
{
	return exo_syscall6(nr, a1, a2, 0, 0, 0, 0);
}

static inline long exo_syscall3(long nr, long a1, long a2, long a3)
{
	return exo_syscall6(nr, a1, a2, a3, 0, 0, 0);
}

static inline long exo_syscall4(long nr, long a1, long a2, long a3, long a4)
{
	return exo_syscall6(nr, a1, a2, a3, a4, 0, 0);
}

static inline long exo_syscall_raw0(long nr)
{
	return exo_syscall_raw6(nr, 0, 0, 0, 0, 0, 0);
}

static inline long exo_syscall_raw1(long nr, long a1)
{
	return exo_syscall_raw6(nr, a1, 0, 0, 0, 0, 0);
}

static inline long exo_syscall_raw3(long nr, long a1, long a2, long a3)
{
	return exo_syscall_raw6(nr, a1, a2, a3, 0, 0, 0);
}

/* EXO_SYS_NULL: one kernel crossing that does nothing; returns 0. */
static inline long exo_null(void)
{
	return exo_syscall0(EXO_SYS_NULL);
}

/* EXO_SYS_CONSOLE_WRITE: one crossing; len <= EXO_CONSOLE_WRITE_MAX.
 * Returns the number of bytes written, or -EXO_EFAULT / -EXO_EINVAL. */
static inline long exo_console_write(int stream, const void *buf, size_t len)
{
	return exo_syscall3(EXO_SYS_CONSOLE_WRITE, stream, (long)buf, (long)len);
}

/* The program's start-up marks (EXO_MARK_*, kinfo.h): the TSC, read in ring 3
 * where it costs nothing, at each point of its start.  Every exit passes them
 * to the kernel, which prints them with its boot phases under exo.stats. */
extern uint64_t exos_boot_marks[EXO_NMARKS];

/* EXO_SYS_EXIT: returns only if the kernel refuses the status (a status
 * exosim reserves, EXO_STATUS_RESERVED_LO..HI, or one outside 0..255), with
 * -EXO_EINVAL.  Does not flush stdio: see exit() in <stdlib.h>. */
static inline long exo_exit_status(int status)
{
	return exo_syscall2(EXO_SYS_EXIT, status, (long)exos_boot_marks);
}

/* Ends the environment with `status`.  If the kernel refuses it, falls back
 * to status 1; should that fail too, executes ud2 (the kernel then kills the
 * environment, status 132).  Does not flush stdio. */
_Noreturn void exo_exit(int status);

/* Writes all of buf, in chunks of at most EXO_CONSOLE_WRITE_MAX.  Returns len
 * or the first error. */
long exo_console_write_all(int stream, const void *buf, size_t len);

/* The kernel info page, read without a kernel crossing. */
static inline const struct exo_kinfo *exo_kinfo(void)
{
	return (const struct exo_kinfo *)EXO_KINFO;
}

/* The time-stamp counter, read in ring 3 (where it runs natively). */
static inline uint64_t exo_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/* ---- Exokernel core I (syscall.h, cap.h, page.h, env.h, trap.h) ----
 * Every wrapper is one gate call and returns the kernel's result unchanged:
 * >= 0 on success, -EXO_E* on failure.  `cap` / `env_cap` are slots in the
 * calling environment's capability table (EXO_CAP_SELF = 0 is always us). */

/* EXO_SYS_YIELD: let another environment run (the kernel picks one). */
static inline long exo_yield(void)
{
	return exo_syscall1(EXO_SYS_YIELD, -1);
}

/* EXO_SYS_YIELD with a target: run the environment named by env_cap next. */
static inline long exo_yield_to(int env_cap)
{
	return exo_syscall1(EXO_SYS_YIELD, env_cap);
}

/* EXO_SYS_CAP_ACQUIRE: type EXO_CAP_PAGE, arg = pfn or EXO_ANY.  Returns the
 * new slot. */
static inline long exo_cap_acquire(int type, uint64_t arg)
{
	return exo_syscall2(EXO_SYS_CAP_ACQUIRE, type, (long)arg);
}

/* EXO_SYS_CAP_RELEASE: drops the slot and revokes everything derived from it. */
static inline long exo_cap_release(int cap)
{
	return exo_syscall1(EXO_SYS_CAP_RELEASE, cap);
}

/* EXO_SYS_CAP_GRANT: derives a capability with `rights` (a subset of cap's)
 * in env_cap's table; returns the slot there. */
static inline long exo_cap_grant(int cap, int env_cap, unsigned rights)
{
	return exo_syscall3(EXO_SYS_CAP_GRANT, cap, env_cap, (long)rights);
}

/* The same for frames [first, first + count) of cap's run. */
static inline long exo_cap_grant_part(int cap, int env_cap, unsigned rights, uint64_t first,
                                      uint64_t count)
{
	return exo_syscall6(EXO_SYS_CAP_GRANT, cap, env_cap, (long)rights, (long)first, (long)count,
	                    0);
}

/* EXO_SYS_CAP_REVOKE: revokes everything derived from cap (transitively, with
 * their mappings); returns how many capabilities were revoked. */
static inline long exo_cap_revoke(int cap)
{
	return exo_syscall1(EXO_SYS_CAP_REVOKE, cap);
}

/* Partial revocation: what was derived from cap and names a frame of
 * [first, first + count) of its run. */
static inline long exo_cap_revoke_part(int cap, uint64_t first, uint64_t count)
{
	return exo_syscall3(EXO_SYS_CAP_REVOKE, cap, (long)first, (long)count);
}

/* EXO_SYS_CAP_GRANT_AT: n grants into the slots the ops name in env_cap's
 * table; returns the number done. */
static inline long exo_cap_grant_at(int env_cap, const struct exo_grant_op *ops, size_t n)
{
	return exo_syscall3(EXO_SYS_CAP_GRANT_AT, env_cap, (long)ops, (long)n);
}

/* The kernel writes results only into memory mapped writable (it refuses a
 * copy-on-write page with EFAULT, as it cannot copy it: that is the libOS's
 * policy), so a call's output buffer is written in ring 3 first, where a
 * copy-on-write fault breaks the sharing. */
static inline uint64_t exos_pte(uint64_t va);
static inline void exos_touch_out(void *p, size_t n)
{
	uint64_t lo = (uint64_t)p & ~(EXO_PAGE_SIZE - 1), hi = (uint64_t)p + n;
	for (uint64_t va = lo; n && va < hi && va >= lo; va += EXO_PAGE_SIZE) {
		/* only copy-on-write pages (EXO_PTE_SW0, ExOS's mark): a bad
		 * buffer still gets the kernel's EFAULT */
		if ((exos_pte(va) & (EXO_PTE_P | EXO_PTE_W | EXO_PTE_SW0)) ==
		    (EXO_PTE_P | EXO_PTE_SW0)) {
			volatile char *c = (volatile char *)(va < (uint64_t)p ? (uint64_t)p : va);
			*c = *c;
		}
	}
}

/* EXO_SYS_CAP_INFO: type, rights and object of a slot. */
static inline long exo_cap_info(int cap, struct exo_cap_info *out)
{
	exos_touch_out(out, sizeof(*out));
	return exo_syscall2(EXO_SYS_CAP_INFO, cap, (long)out);
}

/* EXO_SYS_MAP: n <= EXO_MAP_BATCH mappings into env_cap's address space with
 * our page capabilities; returns the number of ops done. */
static inline long exo_map(int env_cap, const struct exo_map_op *ops, size_t n)
{
	return exo_syscall3(EXO_SYS_MAP, env_cap, (long)ops, (long)n);
}

/* EXO_SYS_UNMAP or EXO_SYS_PROTECT over the whole range: the kernel may stop
 * early (after EXO_MAP_BATCH present entries), so call again from where it
 * stopped.  0 or -EXO_E*. */
static inline long exo_range_call(long nr, int env_cap, uint64_t va, size_t npages, uint64_t perm)
{
	while (npages) {
		long r = exo_syscall4(nr, env_cap, (long)va, (long)npages, (long)perm);
		if (r <= 0 || (size_t)r > npages)
			return r < 0 ? r : -EXO_EINVAL; /* no progress: not our kernel */
		va += (uint64_t)r * EXO_PAGE_SIZE;
		npages -= (size_t)r;
	}
	return 0;
}

/* EXO_SYS_UNMAP: npages <= EXO_RANGE_MAX pages from va in env_cap's space. */
static inline long exo_unmap(int env_cap, uint64_t va, size_t npages)
{
	return exo_range_call(EXO_SYS_UNMAP, env_cap, va, npages, 0);
}

/* EXO_SYS_PROTECT: new permissions (EXO_PERM_MASK bits) for mapped pages. */
static inline long exo_protect(int env_cap, uint64_t va, size_t npages, uint64_t perm)
{
	return exo_range_call(EXO_SYS_PROTECT, env_cap, va, npages, perm);
}

/* EXO_SYS_ENV_CREATE: a new, empty environment; returns our cap for it. */
static inline long exo_env_create(const char *name)
{
	return exo_syscall1(EXO_SYS_ENV_CREATE, (long)name);
}

static inline long exo_env_set_regs(int env_cap, const struct exo_regs *regs)
{
	return exo_syscall2(EXO_SYS_ENV_SET_REGS, env_cap, (long)regs);
}

static inline long exo_env_start(int env_cap)
{
	return exo_syscall1(EXO_SYS_ENV_START, env_cap);
}

static inline long exo_env_destroy(int env_cap)
{
	return exo_syscall1(EXO_SYS_ENV_DESTROY, env_cap);
}

/* EXO_SYS_SET_HANDLER: the exception upcall entry and its stack [lo, hi). */
static inline long exo_set_handler(int env_cap, const void *handler, uint64_t xstack_lo,
                                   uint64_t xstack_hi)
{
	return exo_syscall4(EXO_SYS_SET_HANDLER, env_cap, (long)handler, (long)xstack_lo,
	                    (long)xstack_hi);
}

/* ---- Exokernel core II (sched.h, pred.h) ---- */

/* EXO_SYS_SET_HANDLER with upcall events (EXO_EV_*) besides exceptions. */
static inline long exo_set_upcalls(int env_cap, const void *handler, uint64_t xstack_lo,
                                   uint64_t xstack_hi, unsigned events)
{
	return exo_syscall6(EXO_SYS_SET_HANDLER, env_cap, (long)handler, (long)xstack_lo,
	                    (long)xstack_hi, (long)events, 0);
}

/* EXO_SYS_ENV_START with flags (EXO_START_NO_SLICE). */
static inline long exo_env_start_flags(int env_cap, unsigned flags)
{
	return exo_syscall2(EXO_SYS_ENV_START, env_cap, (long)flags);
}

/* EXO_SYS_SLICE_ALLOC: the slice at pos (or EXO_SLICE_ANY) for env_cap;
 * returns our capability for it.  Release it to free the slice. */
static inline long exo_slice_alloc(int env_cap, uint64_t pos)
{
	return exo_syscall2(EXO_SYS_SLICE_ALLOC, env_cap, (long)pos);
}

/* EXO_SYS_PCT_ENTRY: where PCTs into env_cap enter, and on which stack
 * (16-byte aligned top).  entry NULL refuses calls. */
static inline long exo_pct_entry(int env_cap, const void *entry, uint64_t stack_top)
{
	return exo_syscall3(EXO_SYS_PCT_ENTRY, env_cap, (long)entry, (long)stack_top);
}

/* EXO_SYS_PCT, EXO_PCT_CALL: runs env_cap's entry with a[0..3] and waits for
 * its reply; returns 0 with the results in r[0..3], or -EXO_E*. */
static inline long exo_pct_call(int env_cap, const uint64_t a[4], uint64_t r[4])
{
	register uint64_t r10 __asm__("r10") = a[1];
	register uint64_t r8 __asm__("r8") = a[2];
	register uint64_t r9 __asm__("r9") = a[3];
	uint64_t rdi = (uint64_t)env_cap, rsi = EXO_PCT_CALL, rdx = a[0], rcx;
	long ret;

	__asm__ volatile("call *%[gate]"
	                 : "=a"(ret), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8),
	                   "+r"(r9), "=c"(rcx)
	                 : "0"((long)EXO_SYS_PCT), [gate] "r"(EXO_GATE_SYSCALL)
	                 : "r11", "memory", "cc");
	r[0] = rdx, r[1] = rcx, r[2] = r8, r[3] = r9;
	return ret;
}

/* EXO_PCT_SEND: runs env_cap's entry with a0..a3; we run again when the
 * scheduler says so.  Returns 0 then, or -EXO_E* at once. */
static inline long exo_pct_send(int env_cap, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return exo_syscall6(EXO_SYS_PCT, env_cap, EXO_PCT_SEND, (long)a0, (long)a1, (long)a2,
	                    (long)a3);
}

/* From inside an activation: give the caller r0..r3 (EXO_PCT_REPLY), or end
 * an asynchronous one (EXO_PCT_DONE).  Return only on error. */
static inline long exo_pct_reply(uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3)
{
	return exo_syscall6(EXO_SYS_PCT, 0, EXO_PCT_REPLY, (long)r0, (long)r1, (long)r2, (long)r3);
}

static inline long exo_pct_done(void)
{
	return exo_syscall2(EXO_SYS_PCT, 0, EXO_PCT_DONE);
}

/* EXO_SYS_WAIT: sleep until the predicate t[0..n) holds; 0 then, or -EXO_E*. */
static inline long exo_wait(const struct exo_pred_term *t, size_t n)
{
	return exo_syscall2(EXO_SYS_WAIT, (long)t, (long)n);
}

/* EXO_SYS_WAIT_FOR: exo_wait, handing the CPU to environment `hint` (an id, 0:
 * none) if it sleeps on a predicate that now holds. */
static inline long exo_wait_for(const struct exo_pred_term *t, size_t n, uint32_t hint)
{
	return exo_syscall3(EXO_SYS_WAIT_FOR, (long)t, (long)n, (long)hint);
}

/* EXO_SYS_RECLAIM: ask env_cap (with EXO_RIGHT_REVOKE) for npages back. */
/* n (1..EXO_PAGE_ALLOC_MAX) fresh pages in one crossing; returns how many
 * were acquired (fewer when memory or slots ran out) or -EXO_E*. */
static inline long exo_page_alloc(struct exo_page_grant *out, size_t n)
{
	exos_touch_out(out, n * sizeof(*out));
	return exo_syscall2(EXO_SYS_PAGE_ALLOC, (long)out, (long)n);
}

/* EXO_SYS_RUN_ALLOC: one capability over npages contiguous zeroed frames
 * (EXO_RUN_LARGE: 2 MiB-aligned); returns its slot, *out its first frame. */
static inline long exo_run_alloc(struct exo_page_grant *out, size_t npages, unsigned flags)
{
	exos_touch_out(out, sizeof(*out));
	return exo_syscall3(EXO_SYS_RUN_ALLOC, (long)out, (long)npages, (long)flags);
}

/* Disks (exo/disk.h; <exos/blk.h> is the interface built on these). */
static inline long exo_disk_io(const struct exo_disk_req *reqs, size_t n)
{
	return exo_syscall2(EXO_SYS_DISK_IO, (long)reqs, (long)n);
}

static inline long exo_disk_batch(int extent, int pages, unsigned op,
                                  const struct exo_disk_req *reqs, size_t n)
{
	return exo_syscall6(EXO_SYS_DISK_BATCH, extent, pages, (long)op, (long)reqs, (long)n, 0);
}

static inline long exo_disk_flush(int extent, unsigned word)
{
	return exo_syscall2(EXO_SYS_DISK_FLUSH, extent, (long)word);
}

static inline long exo_disk_status(int page_cap, uint64_t index)
{
	return exo_syscall2(EXO_SYS_DISK_STATUS, page_cap, (long)index);
}

/* exosim --gdb (EXO_KINFO_GDB): before a process ends for signal sig, the
 * debugger stops at regs (where it came from); returns once gdb resumes. */
static inline long exo_debug_signal(const struct exo_regs *regs, int sig, uint64_t addr)
{
	return exo_syscall3(EXO_SYS_DEBUG_SIGNAL, (long)regs, sig, (long)addr);
}

/* The FS segment base of an environment (a Linux program's thread pointer). */
static inline long exo_set_fsbase(int env_cap, uint64_t base)
{
	return exo_syscall2(EXO_SYS_SET_FSBASE, env_cap, (long)base);
}

/* Our own FS base: in ring 3 where the kernel lets us (EXO_KINFO_FSGSBASE:
 * no kernel crossing, which a thread switch would otherwise pay), else
 * through the kernel.  User addresses only, as the kernel's call. */
static inline long exos_set_fsbase(uint64_t base)
{
	if (!(exo_kinfo()->flags & EXO_KINFO_FSGSBASE))
		return exo_set_fsbase(EXO_CAP_SELF, base);
	if (base >= EXO_USER_TOP)
		return -EXO_EINVAL;
	__asm__ volatile("wrfsbase %0" : : "r"(base) : "memory");
	return 0;
}

/* Asks for console input (exo/console.h): bytes in the ring, waiting while
 * it is empty; 0 at the end of input, -EXO_E*, -EXO_ENOSYS without the ring
 * (QEMU).  With EXO_KINFO_CONSOLE_ASYNC only a kick, which never waits: 0, or
 * -EXO_EIO for indices readers broke.  Readers call exo_console_take, which
 * calls this only when the ring is empty (or exosim stopped). */
static inline long exo_console_fill(void)
{
	return exo_syscall0(EXO_SYS_CONSOLE_FILL);
}

/* Takes at most n bytes of exosim's stdin (console.c): what the ring holds.
 * Bytes, 0 at the end of input, -EXO_E*; -EXO_ENOSYS where there is no
 * console input (QEMU).  An empty ring: with asynchronous input, -EXO_EAGAIN
 * and *wait the predicate term that holds once more has arrived (a caller
 * sleeps on it with whatever else it waits for); else one blocking fill. */
long exo_console_take(void *dst, size_t n, struct exo_pred_term *wait);

/* Whether exo_console_take would return without waiting: 1, or 0 with *wait
 * set as there.  Always 1 without asynchronous input (a read waits in the
 * fill) or without console input (a read ends at once). */
int exo_console_ready(struct exo_pred_term *wait);

/* exo_console_take, sleeping in EXO_SYS_WAIT while it says -EXO_EAGAIN. */
long exo_console_in(void *dst, size_t n);

static inline long exo_reclaim(int env_cap, uint64_t npages)
{
	return exo_syscall2(EXO_SYS_RECLAIM, env_cap, (long)npages);
}

/* Our u-area, shared with the kernel (sched.h). */
static inline volatile struct exo_uarea *exo_uarea(void)
{
	return (volatile struct exo_uarea *)EXO_UAREA;
}

/* ---- The kernel's exported tables, read without a crossing ---- */

/* The page-info table: exo_kinfo()->npages entries, indexed by pfn. */
static inline const struct exo_page *exos_pages(void)
{
	return (const struct exo_page *)EXO_PAGES;
}

static inline uint64_t exos_npages(void)
{
	return exo_kinfo()->npages;
}

/* The environment table: EXO_NENV entries; environment `id` is in slot
 * id % EXO_NENV (check .id: slots are reused). */
static inline const volatile struct exo_env_info *exos_envs(void)
{
	return (const volatile struct exo_env_info *)EXO_ENVS;
}

static inline const volatile struct exo_env_info *exos_env_info(uint32_t id)
{
	return &exos_envs()[id % EXO_NENV];
}

/* Our own environment id. */
static inline uint32_t exos_self_id(void)
{
	return exo_kinfo()->cur_env;
}

/* The page tables, through the recursive entry the kernel keeps in PML4 slot
 * EXOS_UVPT_SLOT (254; EXO_UVPT = 254 << 39).  With R = 254, the entry that maps
 * va at each level is at
 *   PTE    EXO_UVPT + (va >> 12) * 8                                 (= EXOS_UVPT_PT)
 *   PDE    EXO_UVPT + (R << 30) + (va >> 21) * 8                     (EXOS_UVPT_PD)
 *   PDPTE  EXO_UVPT + (R << 30) + (R << 21) + (va >> 30) * 8         (EXOS_UVPT_PDPT)
 *   PML4E  EXO_UVPT + (R << 30) + (R << 21) + (R << 12) + (va >> 39) * 8
 * (each extra R makes the MMU walk the recursive entry once more, so one level
 * fewer remains).  A read at one level faults unless every level above it is
 * present (and user), so exos_pte() reads from the top down. */
#define EXOS_UVPT_SLOT 254ul
#define EXOS_UVPT_PT   EXO_UVPT
#define EXOS_UVPT_PD   (EXOS_UVPT_PT + (EXOS_UVPT_SLOT << 30))
#define EXOS_UVPT_PDPT (EXOS_UVPT_PD + (EXOS_UVPT_SLOT << 21))
#define EXOS_UVPT_PML4 (EXOS_UVPT_PDPT + (EXOS_UVPT_SLOT << 12))

/* The leaf PTE for a user address, or 0 if va is not a user address or an
 * upper level is absent.  Inside a 2 MiB page it is the 4 KiB entry that page
 * stands for (its frame and permissions, without the large-page bit).  Never
 * faults. */
static inline uint64_t exos_pte(uint64_t va)
{
	const uint64_t pu = EXO_PTE_P | EXO_PTE_U;
	const uint64_t ps = 0x80; /* a large page */
	uint64_t e;

	if (va >= EXO_USER_TOP)
		return 0;
	e = *(const volatile uint64_t *)(EXOS_UVPT_PML4 + (va >> 39) * 8);
	if ((e & pu) != pu)
		return 0;
	e = *(const volatile uint64_t *)(EXOS_UVPT_PDPT + (va >> 30) * 8);
	if ((e & pu) != pu || (e & ps))
		return 0;
	e = *(const volatile uint64_t *)(EXOS_UVPT_PD + (va >> 21) * 8);
	if ((e & pu) != pu)
		return 0;
	if (e & ps)
		return (e & ~ps) + (((va >> 12) & (EXO_LARGE_PAGES - 1)) << 12);
	return *(const volatile uint64_t *)(EXOS_UVPT_PT + (va >> 12) * 8);
}

/* The page-directory entry for va (a 2 MiB page when it has bit 7), or 0 if
 * an upper level is absent. */
static inline uint64_t exos_pde(uint64_t va)
{
	const uint64_t pu = EXO_PTE_P | EXO_PTE_U;

	if (va >= EXO_USER_TOP ||
	    (*(const volatile uint64_t *)(EXOS_UVPT_PML4 + (va >> 39) * 8) & pu) != pu ||
	    (*(const volatile uint64_t *)(EXOS_UVPT_PDPT + (va >> 30) * 8) & (pu | 0x80)) != pu)
		return 0;
	return *(const volatile uint64_t *)(EXOS_UVPT_PD + (va >> 21) * 8);
}

/* The physical frame va is mapped to, or 0 if none (pfn 0 is never a user page). */
static inline uint64_t exos_pfn(uint64_t va)
{
	uint64_t e = exos_pte(va);

	return e & EXO_PTE_P ? (e & EXO_PTE_ADDR) >> 12 : 0;
}

/* Short name of an error result (-EXO_EPERM -> "EPERM"), for messages. */
const char *exos_strerror(long err);

/* The block _start built from exosim/argv and exosim/envp (points at argc,
 * laid out as a Linux initial stack without auxv; libos/start.c). */
extern long *__exo_initial_sp;

#endif
