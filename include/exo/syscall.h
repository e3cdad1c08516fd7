/* The exokernel system-call ABI, shared by the kernel and every libOS.
 *
 * Convention (Linux-like, so a libOS can forward registers untouched):
 *   rax = call number, arguments in rdi, rsi, rdx, r10, r8, r9,
 *   result in rax: >= 0 on success, -EXO_E* on failure.
 * A call clobbers rcx and r11 (as the `syscall` instruction does) and the
 * other caller-saved registers of the SysV ABI (rdi, rsi, rdx, r8, r9, r10);
 * it preserves rbx, rbp, rsp and r12-r15.
 *
 * How to enter the kernel: call the gate at EXO_GATE_SYSCALL (see
 * memlayout.h).  The kernel writes the fastest entry instruction that works
 * on this machine into the gate: `syscall` on VT-x KVM and QEMU, a trapping
 * fallback where `syscall` does not reach ring 0 (KVM on PVM).  A bare
 * `syscall` instruction also works everywhere, only more slowly on PVM. */
#ifndef EXO_SYSCALL_H
#define EXO_SYSCALL_H

#define EXO_SYS_NULL 0 /* () -> 0; for measuring a crossing */
/* EXO_SYS_CONSOLE_WRITE: (int stream, const void *buf, size_t len) -> bytes
 * written (len, or fewer if the host failed part-way), or -EXO_EPIPE (no
 * reader), -EXO_ENOSPC (a full device) or -EXO_EIO when the host's stream
 * failed first. */
#define EXO_SYS_CONSOLE_WRITE 1
/* EXO_SYS_EXIT: (int status, const uint64_t *marks) -> does not return.  marks
 * may be 0, or the libOS's EXO_NMARKS start-up marks (kinfo.h): with exo.stats
 * the kernel prints them with its boot phases; otherwise it never reads them. */
#define EXO_SYS_EXIT 2
#define EXO_SYS_YIELD                                                                              \
	3 /* (int env_cap or -1) -> 0: run another environment                                     \
	   (env_cap: give it the rest of our slice) */

/* Capabilities (cap.h).  `cap` arguments are slots in the caller's table. */
#define EXO_SYS_CAP_ACQUIRE 4 /* (type, arg) -> new slot: EXO_CAP_PAGE arg = pfn or EXO_ANY */
#define EXO_SYS_CAP_RELEASE 5 /* (cap) -> 0; revokes everything derived from it */
/* EXO_SYS_CAP_GRANT: (cap, env_cap, rights, first, count) -> slot in the target's
 * table: a capability for frames [first, first + count) of cap's run (count 0:
 * all of it). */
#define EXO_SYS_CAP_GRANT 6
/* EXO_SYS_CAP_REVOKE: (cap, first, count) -> number of capabilities revoked.
 * count 0: everything derived from cap.  Else a partial revoke: every capability
 * derived from cap that names a frame of [first, first + count) of its run dies,
 * with what was derived from it and their mappings; the others stay. */
#define EXO_SYS_CAP_REVOKE 7
#define EXO_SYS_CAP_INFO   8 /* (cap, struct exo_cap_info *out) -> 0 */

/* Page tables, written by the libOS through checked, batched calls (page.h). */
/* EXO_SYS_MAP: (env_cap, const struct exo_map_op *ops, n <= EXO_MAP_BATCH) -> ops
 * done.  It stops before an op that would take the call past EXO_MAP_BATCH
 * page-table entries.  A 4 KiB op inside a 2 MiB mapping, or a 2 MiB op over
 * 4 KiB mappings, fails with -EXO_EBUSY: unmap first. */
#define EXO_SYS_MAP 9
/* EXO_SYS_UNMAP: (env_cap, va, npages <= EXO_RANGE_MAX) -> pages covered (> 0):
 * all of them, unless the call stopped after EXO_MAP_BATCH present entries;
 * call again from there.  A 2 MiB mapping is removed only whole: a range that
 * cuts one fails with -EXO_EINVAL. */
#define EXO_SYS_UNMAP 10
/* EXO_SYS_PROTECT: (env_cap, va, npages, perm) -> pages covered, as UNMAP. */
#define EXO_SYS_PROTECT 11

/* Environments (env.h). */
#define EXO_SYS_ENV_CREATE   12 /* (const char *name) -> env_cap: an empty address space */
#define EXO_SYS_ENV_SET_REGS 13 /* (env_cap, const struct exo_regs *) -> 0 */
#define EXO_SYS_ENV_START    14 /* (env_cap, flags) -> 0; flags: EXO_START_* (sched.h) */
#define EXO_SYS_ENV_DESTROY  15 /* (env_cap) -> 0 */
#define EXO_SYS_SET_HANDLER                                                                        \
	16 /* (env_cap, handler, xstack_lo, xstack_hi, events) -> 0                                \
	      (trap.h; events: EXO_EV_*, sched.h) */

/* The CPU (sched.h) and wakeup predicates (pred.h). */
#define EXO_SYS_SLICE_ALLOC 17 /* (env_cap, pos or EXO_SLICE_ANY) -> slice cap */
#define EXO_SYS_PCT         18 /* (env_cap, kind, a0, a1, a2, a3) -> see sched.h */
#define EXO_SYS_PCT_ENTRY   19 /* (env_cap, entry, stack_top) -> 0; entry 0 unregisters */
#define EXO_SYS_WAIT        20 /* (const struct exo_pred_term *, n) -> 0 once true */
#define EXO_SYS_RECLAIM     21 /* (env_cap, npages) -> 0: ask for pages back (sched.h) */

/* The console's input (exosim forwards its stdin) and per-environment CPU state. */
#define EXO_SYS_CONSOLE_FILL                                                                       \
	22 /* () -> bytes in the console input ring (console.h), > 0; when it is empty,            \
	      blocks until exosim has added input.  0 at end of input, -EXO_EINTR, -EXO_EIO;       \
	      -EXO_ENOSYS where the machine has no input device. */
#define EXO_SYS_SET_FSBASE 23 /* (env_cap, base) -> 0: the FS segment base (Linux TLS) */
#define EXO_SYS_PAGE_ALLOC                                                                         \
	24 /* (struct exo_page_grant *out, n) -> pages acquired (1..n): n fresh pages,             \
	      each a root capability, in one crossing (page.h) */

/* EXO_SYS_RUN_ALLOC: (struct exo_page_grant *out, npages, flags) -> slot: one root
 * capability over npages contiguous zeroed frames (EXO_RUN_LARGE: starting on
 * a 2 MiB boundary), *out = its slot and first frame. */
#define EXO_SYS_RUN_ALLOC 25

/* EXO_SYS_CAP_GRANT_AT: (env_cap, struct exo_grant_op *ops, n <= EXO_GRANT_BATCH) ->
 * ops done: CAP_GRANT for each op, into the slot it names in the target's table
 * (a fork gives its child its page capabilities at the slots they have in the
 * parent, so the child's copy of the libOS's tables stays true).  It stops at
 * the first op that fails and returns how many were done, or that op's error
 * if none was: -EXO_EBADF (no such cap), -EXO_EPERM (no EXO_RIGHT_GRANT, or
 * rights beyond the cap's), -EXO_EBUSY (the slot is in use), -EXO_EINVAL. */
#define EXO_SYS_CAP_GRANT_AT 26

/* 27..29: reserved (capabilities). */

/* Disks (disk.h, docs/disk.md). */
/* EXO_SYS_DISK_IO: (const struct exo_disk_req *reqs, n <= EXO_DISK_BATCH) -> requests
 * submitted (1..n: the first ones; fewer when a device's queue is full), or
 * -EXO_EAGAIN when none fit.  Every request is checked before any is submitted;
 * the first bad one fails the call with nothing submitted: -EXO_EFAULT (reqs
 * unreadable), -EXO_ENOENT (no status page registered), -EXO_EINVAL (n, op,
 * nblocks or status out of range), -EXO_EBADF / -EXO_EINVAL (extent not a
 * capability / not a disk's), -EXO_EROFS (a write to a read-only disk),
 * -EXO_EACCES (the extent or the pages lack the right the op needs), -EXO_ENXIO
 * (blocks past the end of the device), -EXO_EPERM (blocks outside the extent),
 * -EXO_EFAULT (the buffer is not in the named page capability's run: pages the
 * caller does not hold), -EXO_EIO (the disk is dead).  Each disk touched gets one
 * notification.  Completions: the status page (disk.h). */
#define EXO_SYS_DISK_IO 30
/* EXO_SYS_DISK_FLUSH: (extent cap, status word) -> 0: a flush of the extent's disk,
 * reported in the status word like a request: writes that completed before it was
 * submitted are durable when it completes.  Needs EXO_RIGHT_WRITE on the extent
 * (-EXO_EROFS on a read-only disk); errors as EXO_SYS_DISK_IO's. */
#define EXO_SYS_DISK_FLUSH 31
/* EXO_SYS_DISK_STATUS: (page cap, index) -> 0: frame `index` of the capability's run
 * (which needs EXO_RIGHT_WRITE) becomes the caller's status page; cap -1 unregisters.
 * Requests in flight report to the page registered when they were submitted. */
#define EXO_SYS_DISK_STATUS 32

/* NICs (net.h, docs/net.md). */
/* EXO_SYS_NET_FILTER: (nic cap, struct exo_net_filter *f) -> the filter's id: installs
 * an eBPF packet filter feeding a packet ring in the caller's pages.  Needs READ on the
 * NIC.  -EXO_ENOEXEC: the verifier refused it (f->err its BPF_E* code, f->insn where);
 * -EXO_EEXIST: a filter with that priority is on the NIC; -EXO_EINVAL / -EXO_EFAULT /
 * -EXO_EACCES: the ring (pages 1..64 of a run held with WRITE); -EXO_ENOSPC: the NIC has
 * EXO_NET_FILTERS filters. */
#define EXO_SYS_NET_FILTER 33
/* EXO_SYS_NET_UNFILTER: (nic cap, id) -> 0: removes the caller's filter. */
#define EXO_SYS_NET_UNFILTER 34
/* EXO_SYS_NET_TX: (nic cap, const struct exo_net_tx *v, n <= EXO_NET_BATCH) -> frames
 * queued (the first ones; -EXO_EAGAIN if the queue is full), one notification.  Needs
 * WRITE on the NIC; every frame is checked first: -EXO_EINVAL (length not 60..1514),
 * -EXO_EFAULT (not in pages of the named run), -EXO_EACCES (pages without READ),
 * -EXO_EPERM (the caller is bound to another source MAC).  The pages are free again
 * when the call returns (the frames were copied). */
#define EXO_SYS_NET_TX 35
/* EXO_SYS_NET_BIND: (nic cap with GRANT, env cap with WRITE, mac) -> 0: from now on the
 * environment may send only frames whose source MAC is mac (its 6 bytes read as a
 * little-endian number). */
#define EXO_SYS_NET_BIND 36
/* EXO_SYS_DISK_BATCH: (extent cap, page cap, op, const struct exo_disk_req *v,
 * n <= EXO_DISK_BATCH) -> n: n requests of one operation through one extent into one
 * buffer run, for a disk with EXO_DISK_BATCHED (exosim): the kernel checks the two
 * capabilities once and the device checks each request against them (block, nblocks,
 * page and status are used; each entry's extent, pages and op are the call's).  The
 * caller sets each request's status word to EXO_DISK_PENDING first; each gets its result
 * there: 0, -EXO_EIO, or the device's refusal (-EXO_EINVAL, -EXO_ENXIO, -EXO_EPERM,
 * -EXO_EFAULT).  Call errors: -EXO_EINVAL (n, op), -EXO_ENOSYS (the disk takes no
 * batches: use EXO_SYS_DISK_IO), -EXO_EAGAIN (no room: wait for completions), the
 * extent's and pages' errors as EXO_SYS_DISK_IO's, -EXO_ENOENT (no status page). */
#define EXO_SYS_DISK_BATCH 37

/* EXO_SYS_DEBUG_SIGNAL: (const struct exo_regs *regs, sig 1..64, addr) -> 0: with
 * EXO_KINFO_GDB (exosim --gdb), a libOS about to end a process for signal sig (a
 * core-dumping default action) reports the registers where it happened and the
 * fault address; the debugger stops there and the call returns once it resumes.
 * -EXO_ENOSYS without a debugger, -EXO_EINVAL (sig), -EXO_EFAULT (regs unreadable,
 * or its rip is not a user address). */
#define EXO_SYS_DEBUG_SIGNAL 38

/* EXO_SYS_WAIT_FOR: (const struct exo_pred_term *, n, env id or 0) -> as EXO_SYS_WAIT,
 * with a hint: the environment that should run next (the peer this wait hands
 * the CPU to, e.g. the reader a pipe write just fed).  When the caller goes to
 * sleep the kernel looks at that environment first: if its main context sleeps
 * and its own predicate holds, it wakes and gets the rest of the slice (a
 * directed wake-up, kinfo.directed_wakeups); otherwise the hint changes
 * nothing (an id that names no environment now included: a peer may exit at
 * any time).  -EXO_EINVAL for an id that can name no environment (above 32
 * bits, slot 0) or the caller's own. */
#define EXO_SYS_WAIT_FOR 39

#define EXO_NSYSCALLS 40

/* Streams for EXO_SYS_CONSOLE_WRITE. */
#define EXO_STDOUT 1
#define EXO_STDERR 2

/* The largest buffer one console write accepts; longer writes are split by
 * the caller (the libOS), so the kernel path stays bounded. */
#define EXO_CONSOLE_WRITE_MAX (64u * 1024u)

#endif
