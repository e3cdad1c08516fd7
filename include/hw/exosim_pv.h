/* The paravirtual devices exosim offers the guest, beyond standard hardware.
 * Shared by hostsim/ and kernel/.  QEMU has none of them; the kernel detects
 * them and falls back to COM1, the Bochs debug port and isa-debug-exit. */
#ifndef HW_EXOSIM_PV_H
#define HW_EXOSIM_PV_H

#include <stdint.h>

/* isa-debug-exit, as QEMU's `-device isa-debug-exit,iobase=0xf4`: a write
 * of v, the kernel's exit record (include/exo/status.h), ends the VM.  QEMU
 * exits with (v << 1) | 1, exosim with v as a shell would report it
 * (hostsim/dev_exit.c). */
#define PV_EXIT_PORT 0xf4

/* COM1 (16550 transmit register only) and the Bochs/QEMU debug console. */
#define PV_COM1_PORT         0x3f8
#define PV_DEBUGCON_PORT     0xe9
#define PV_DEBUGCON_READBACK 0xe9

/* Results of the paravirtual requests below.  exosim writes an int32 result
 * into every request it can read:
 *   >= 0              bytes transferred (a short count when the host failed
 *                     part-way, as a Linux write or read returns);
 *   PV_ERR_MALFORMED  the request broke this protocol: an address or length
 *                     outside guest RAM, a length over the limit, an unknown
 *                     stream.  Nothing was transferred; exosim counted it
 *                     (--stats: bad_guest_requests) and said so once on
 *                     stderr, and carries on;
 *   other < 0         the host's own error, a negated Linux errno: -32 EPIPE
 *                     (no reader), -28 ENOSPC (e.g. /dev/full), -5 EIO, -4
 *                     EINTR (exosim's --timeout ended the wait).
 * The guest sets result to PV_RESULT_NONE before the request: a request whose
 * own address is not guest RAM cannot be answered, and leaves it so. */
#define PV_RESULT_NONE   INT32_MIN
#define PV_ERR_MALFORMED (-4096)

/* Paravirtual console: one VM exit per buffer instead of one per byte.
 * `inl` from the port returns PV_CONSOLE_MAGIC under exosim (all ones on
 * other machines).  `outl` of the guest-physical address of a struct
 * pv_console_req writes every segment, in order, to the stream, and sets
 * result. */
#define PV_CONSOLE_PORT        0x700
#define PV_CONSOLE_MAGIC       0x534f5845u /* "EXOS" */
#define PV_CONSOLE_MAX_SEGS    32
#define PV_CONSOLE_MAX_SEG_LEN (1u << 20)

struct pv_console_seg {
	uint64_t paddr;
	uint32_t len;
	uint32_t reserved;
};

struct pv_console_req {
	uint32_t stream; /* 1 = stdout, 2 = stderr */
	uint32_t nsegs;  /* <= PV_CONSOLE_MAX_SEGS */
	int32_t result;  /* set by exosim, see above */
	uint32_t reserved;
	struct pv_console_seg seg[PV_CONSOLE_MAX_SEGS];
};

/* Console input, in batches: exosim fills a ring in guest RAM (struct
 * exo_console_ring, include/exo/console.h: a header page, then size bytes of
 * data, all contiguous guest-physical).  `outl` of the guest-physical address
 * of a struct pv_console_in asks for a fill, and sets result:
 *   - the ring holds bytes (head != tail): their number, at once, reading
 *     nothing;
 *   - else exosim reads its stdin into the ring, blocking until input arrives
 *     as a read of a terminal or pipe would, then takes whatever more stdin
 *     has ready without waiting, until the ring is full; it advances head and
 *     returns the bytes added;
 *   - 0 at end of input, or an error as above (-4 EINTR once --timeout has
 *     passed, -5 EIO).  An end or error that stdin reports after some bytes of
 *     a batch is kept and is the result of the next fill that finds the ring
 *     empty: the bytes come first, the end once, exactly as read(2) gave them.
 * Malformed: the ring (header and data) outside guest RAM, size not a power
 * of two in [4096, PV_CONSOLE_IN_RING_MAX], or head - tail > size.  exosim
 * reads the header once and writes only the free part of the data and head. */
#define PV_CONSOLE_IN_PORT     0x704
#define PV_CONSOLE_IN_RING_MAX (1u << 24)

/* Asynchronous console input (version 2): exosim reads stdin on its I/O thread
 * whenever it has input, so no vCPU ever waits in exosim for it.
 *
 * Negotiation: `inl` from PV_CONSOLE_IN_PORT returns PV_CONSOLE_IN_ID | pin <<
 * 8 | version.  Version 2 offers this mode and names the IOAPIC pin it raises
 * (exosim: 4, COM1's, which no virtio slot uses); anything else (all ones: an
 * exosim before version 2, or one whose KVM has no irqchip) offers only the
 * synchronous fill above.  The guest routes the pin first, then attaches:
 *
 * `outl` to PV_CONSOLE_IN_ASYNC_PORT of the address of a struct pv_console_in
 * (the same ring rules as the fill) attaches the ring on the first request and
 * starts delivery; result 0.  Every later request must name the same ring and
 * size, and is a kick: "readers made room or took the end; read on if you
 * stopped" (result 0 whatever there was to do).  After the attach a
 * synchronous fill is malformed: the ring has one writer.
 *
 * Delivery, all through the ring's header (include/exo/console.h):
 *   - exosim reads what stdin has ready into the free space (one batch: every
 *     read that does not wait), then stores head, bumps `posted`, and raises
 *     the pin once if `waiting` was set, clearing it: at most one interrupt
 *     per batch, however many bytes, and none while no reader sleeps.  A
 *     reader sets `waiting` and then looks at `posted` again before it
 *     sleeps, so either it sees the batch or exosim sees it waiting;
 *   - an end (0) or error (-errno, as above) is posted at head: end_result is
 *     written, then `ends` bumped, then `posted`, then the pin as above.  exosim reads
 *     no more until a kick finds ends_taken == ends: the next read after an
 *     end asks the host again, so the end comes once, as read(2) gave it;
 *   - when a batch ends (nothing more ready, or no room) with bytes in the
 *     ring, or after an end, exosim sets `paused` (before it looks at tail a
 *     last time) and reads nothing until a kick.  A reader that moved tail (a
 *     locked instruction) then looks at `paused`, so one of the two always
 *     sees the other: a reader kicks when it took the last bytes and finds
 *     `paused` with no end pending, or finds the ring empty and `paused`.  A
 *     kick with the ring empty (and the end taken) reads on: first a batch in
 *     the kick's own exit, of what stdin has ready, then on the I/O thread.
 *     So a writer that keeps ahead costs one exit per ring, as the fill;
 *   - exosim keeps its own head and ends and never reads them back.  It reads
 *     tail and ends_taken, the readers' words, and checks head - tail <= size:
 *     a ring that breaks it is malformed (one line on stderr, counted, as
 *     above), exosim stops delivering, and each kick answers PV_ERR_MALFORMED
 *     until the indices are repaired.  A reader that breaks ends_taken only
 *     holds up the input: exosim waits for the end to be taken.
 * exosim raises the pin again when the guest unmasks it (an edge while masked
 * is lost).  --timeout ends the VM from the vCPU thread, as it does for a
 * guest that computes: no read is under way to interrupt. */
#define PV_CONSOLE_IN_ASYNC_PORT 0x708
#define PV_CONSOLE_IN_ID         0x4e490000u /* "IN" */
#define PV_CONSOLE_IN_VERSION    2u
#define PV_CONSOLE_IN_ID_MASK    0xffff0000u
#define PV_CONSOLE_IN_PIN(v)     (((v) >> 8) & 0xffu)

struct pv_console_in {
	uint64_t ring; /* guest-physical address of the header; data follows it */
	uint32_t size; /* bytes of data */
	int32_t result;
};

/* Page discard ("scrub"): the host drops guest RAM, which then reads as zero.
 * exosim's guest RAM is private anonymous memory, so madvise(MADV_DONTNEED)
 * on it is the zeroing, done by the host kernel in one exit instead of ~0.6 us
 * per 8 bytes of emulated `rep stosq` in ring 0.  `inl` from the port returns
 * PV_DISCARD_MAGIC under exosim (all ones elsewhere).  `outl` of the
 * guest-physical address of a struct pv_discard_req discards every range and
 * sets result: 0, or PV_ERR_MALFORMED (nothing discarded) when nranges is over
 * the limit or a range is not page-aligned or not wholly guest RAM, or a
 * negated errno from the host's madvise (ranges before it were discarded). */
#define PV_DISCARD_PORT       0x710
#define PV_DISCARD_MAGIC      0x42524353u /* "SCRB" */
#define PV_DISCARD_MAX_RANGES 32

struct pv_discard_range {
	uint64_t paddr; /* page-aligned */
	uint64_t len;   /* a multiple of 4096; 0 does nothing */
};

struct pv_discard_req {
	uint32_t nranges; /* <= PV_DISCARD_MAX_RANGES */
	int32_t result;   /* set by exosim, see above */
	struct pv_discard_range range[PV_DISCARD_MAX_RANGES];
};

/* Word fill: the host stores a 64-bit pattern over a range of guest RAM, for
 * the kernel's bulk stores (the page-info entries of a run of frames: 512 a
 * 2 MiB page), which cost ~0.6 us per 8 bytes as emulated `rep stosq` in ring 0
 * and one exit here.  `inl` from the port returns PV_FILL_MAGIC under exosim
 * (all ones elsewhere).  `outl` of the guest-physical address of a struct
 * pv_fill_req stores `pattern` into the `count` 8-byte words from `paddr` and
 * sets result: 0, or PV_ERR_MALFORMED (nothing written) when paddr is not
 * 8-byte aligned or the words are not wholly guest RAM. */
#define PV_FILL_PORT  0x714
#define PV_FILL_MAGIC 0x4c4c4946u /* "FILL" */

struct pv_fill_req {
	uint64_t paddr;   /* 8-byte aligned */
	uint64_t count;   /* words; 0 does nothing */
	uint64_t pattern; /* stored into each */
	int32_t result;   /* set by exosim, see above */
	uint32_t reserved;
};

/* The debug agent, for `exosim --gdb` (docs/debugging.md).  Where the
 * hypervisor cannot intercept breakpoints and single steps in guest ring 3
 * (KVM on PVM), the kernel reports them: booted with `exo.gdb=1`, its #BP and
 * #DB entries, for a trap from ring 3, and its handler of a ring-3 exception
 * that kills an environment, save a struct pv_gdb_frame on the kernel stack
 * and `outl` its guest-physical address here, before anything else.  exosim
 * then stops the machine for gdb, presenting the frame as the program's
 * registers (gdb's writes change the frame), and returns when gdb resumes.
 * If the trap was the debugger's (a breakpoint it set, a step it asked for, a
 * watchpoint), exosim sets `vector` to PV_GDB_RESUME and the kernel resumes
 * the frame at once; otherwise the frame is unchanged and the kernel handles
 * the exception as it would without a debugger (a program's own int3 still
 * reaches its handler).  Nothing answers the port elsewhere: an `outl` to it
 * is then ignored and `vector` stays as it was. */
#define PV_GDB_PORT   0x720
#define PV_GDB_RESUME 0xffffffffffffffffull

/* The kernel's struct trapframe (kernel/trap.h, which checks it is this). */
struct pv_gdb_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, err;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* A libOS about to end a process for a signal whose default action dumps core
 * (SIGSEGV, SIGABRT, ...) asks the kernel to tell the debugger first
 * (EXO_SYS_DEBUG_SIGNAL, include/exo/syscall.h): the kernel reports a frame
 * holding the registers the libOS passed (the program's, where the signal
 * came from), with `vector` PV_GDB_SIGNAL + the Linux signal number and `err`
 * the fault address (0 if none).  exosim stops with that signal; when gdb
 * resumes, the libOS ends the process as it would have.  Register changes gdb
 * makes then are not taken back: the process ends anyway. */
#define PV_GDB_SIGNAL     0x100
#define PV_GDB_SIGNAL_MAX 64

/* Where the kernel keeps its environments, so that exosim can show each as a
 * gdb thread (docs/debugging.md).  Booted with `exo.gdb=1`, the kernel
 * `outl`s this structure's guest-physical address to PV_GDB_LAYOUT_PORT once,
 * before the first environment exists.  Pointers in the kernel's structures
 * are kernel virtual addresses: guest-physical + EXO_KERNBASE (the direct
 * map).  exosim checks every offset and size against the structure it reads
 * before using it, and treats what it reads there as guest data (never
 * trusted). */
#define PV_GDB_LAYOUT_PORT (PV_GDB_PORT + 4)

struct pv_gdb_layout {
	uint64_t envs;      /* guest-physical address of struct env envs[nenv] */
	uint64_t curenv;    /* guest-physical address of the `struct env *curenv` */
	uint32_t nenv;      /* EXO_NENV */
	uint32_t env_size;  /* sizeof(struct env) */
	uint32_t off_pml4;  /* uint64_t: the page-table root's physical address */
	uint32_t off_info;  /* struct exo_env_info *: id, state, name (include/exo/env.h) */
	uint32_t off_ctx;   /* struct trapframe *: the registers it resumes with */
	uint32_t off_fs;    /* uint64_t fs_base, then uint64_t gs_base */
	uint32_t off_fpu;   /* void *: its FPU save area (FXSAVE's layout first) */
	uint32_t off_fresh; /* bool: the FPU area was never saved (initial state) */
};

#endif
