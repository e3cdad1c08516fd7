/* NICs: the kernel's secure binding for virtio-net devices (docs/net.md).
 *
 * The kernel owns each NIC's virtqueues and its receive buffers.  A libOS
 * receives by downloading a packet filter, an eBPF program (lib/bpf.h,
 * RFC 9669), together with a packet ring in its own pages: for each frame the
 * kernel runs the filters of that NIC from the highest priority down, and the
 * first that matches gets the frame copied into its ring (Xok's packet rings).
 * A frame no filter matches, or whose ring is full, is dropped and counted.
 * Two filters with the same priority on one NIC overlap and the second is
 * refused (EEXIST): priorities decide every overlap, cheaply.
 *
 * Transmit is EXO_SYS_NET_TX: a vector of frames in pages the caller holds,
 * checked, copied into the kernel's transmit buffers and sent with one
 * notification; the pages are free again when the call returns.  An
 * environment bound to a source MAC (EXO_SYS_NET_BIND) may send only frames
 * with that source. */
#ifndef EXO_NET_H
#define EXO_NET_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define EXO_NIC_MAX 4 /* NICs the kernel drives */

/* EXO_CAP_NIC's object: the NIC's index in exo_kinfo.nic[].  Rights: READ to
 * install filters, WRITE to transmit, GRANT to hand it on and to bind. */

/* Frames: an Ethernet frame without its FCS, 60..1514 bytes to transmit;
 * received frames are up to EXO_NET_FRAME_MAX (a VLAN tag). */
#define EXO_NET_TX_MIN    60
#define EXO_NET_TX_MAX    1514
#define EXO_NET_FRAME_MAX 1518

/* Frames one EXO_SYS_NET_TX takes at most. */
#define EXO_NET_BATCH 32

/* Filters: at most this many per NIC, each at most this many instructions
 * (longer: refused as BPF_ETOOLONG). */
#define EXO_NET_FILTERS   16
#define EXO_NET_MAX_INSNS 256

/* The packet ring: `pages` consecutive frames (1..EXO_NET_RING_PAGES) of a
 * run held with WRITE, cut into 2048-byte slots.  Slot 0 is the header
 * (struct exo_net_ring); slots 1..n-1 carry frames, used in order: the kernel
 * copies a frame into its next slot if that slot's owner word is 0, then sets
 * the word to the frame's length; the libOS takes the frame and gives the
 * slot back by writing 0.  If the next slot is still owned the frame is
 * dropped (the ring is full) and `dropped` counts it.  A libOS sleeps on a
 * wakeup predicate "owner word of my next slot != 0". */
#define EXO_NET_SLOT       2048
#define EXO_NET_SLOT_DATA  16 /* the frame's offset in its slot */
#define EXO_NET_RING_PAGES 64 /* so at most 127 frame slots, as in Xok */

#ifndef __ASSEMBLER__
struct exo_net_ring {
	uint64_t delivered; /* frames copied in */
	uint64_t dropped;   /* frames this filter matched that found the ring full */
	uint32_t nslots;    /* frame slots: 2 * pages - 1 */
	uint32_t next;      /* the kernel's next slot (1..nslots), for information */
	uint64_t pad[253];
};
_Static_assert(sizeof(struct exo_net_ring) == EXO_NET_SLOT, "the header is a slot");

struct exo_net_slot {
	volatile uint64_t owner; /* 0: the kernel's; else the frame's length */
	uint64_t pad;
	uint8_t data[EXO_NET_SLOT - EXO_NET_SLOT_DATA];
};

/* EXO_SYS_NET_FILTER's description of a filter (in: all but err, insn). */
struct exo_net_filter {
	uint64_t insns;     /* user address of the eBPF instructions (struct bpf_insn) */
	uint32_t ninsns;    /* 1..EXO_NET_MAX_INSNS */
	uint32_t priority;  /* higher runs first; equal on one NIC: refused */
	int32_t ring_cap;   /* slot of an EXO_CAP_PAGE capability with WRITE */
	uint32_t ring_page; /* the ring's first frame in that run */
	uint32_t ring_pages;
	int32_t err;   /* out: the verifier's BPF_E* code when refused (-EXO_ENOEXEC) */
	uint32_t insn; /* out: the refused instruction */
	uint32_t pad;
};
_Static_assert(sizeof(struct exo_net_filter) == 40, "exo_net_filter layout");

/* One frame of EXO_SYS_NET_TX (16 bytes): len bytes at byte `offset` of frame
 * `page` of a page capability's run (READ needed), within that run. */
struct exo_net_tx {
	int32_t pages;
	uint32_t page;
	uint32_t offset;
	uint32_t len; /* EXO_NET_TX_MIN..EXO_NET_TX_MAX */
};
_Static_assert(sizeof(struct exo_net_tx) == 16, "exo_net_tx layout");

/* A NIC as exo_kinfo.nic[i] describes it; the counters are the kernel's. */
struct exo_nic_info {
	uint8_t mac[6];
	uint16_t flags;      /* EXO_NIC_* */
	int32_t root_cap;    /* the first environment's slot for the NIC's capability, -1 if none */
	uint32_t irqs;       /* its interrupts */
	uint64_t rx_frames;  /* frames received */
	uint64_t rx_nomatch; /* dropped: no filter matched */
	uint64_t rx_full;    /* dropped: the matching filter's ring was full */
	uint64_t tx_frames;  /* frames sent (queued to the device) */
	uint64_t tx_done;    /* frames the device has finished sending: after an EAGAIN from
	                        EXO_SYS_NET_TX, it reaches tx_frames - tx_slots / 2 with an
	                        interrupt (a wakeup predicate may wait for it) */
	uint64_t filter_insns; /* eBPF instructions run by the receive path */
	uint64_t mmio_base;
	uint32_t tx_slots; /* the transmit queue's frames: tx_frames - tx_done <= tx_slots */
	uint32_t pad;
};

#define EXO_NIC_LINK_UP 0x1 /* the device says the link is up (or cannot say) */
#endif

#endif
