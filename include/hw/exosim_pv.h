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

#endif
