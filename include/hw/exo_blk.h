/* exosim's batched virtio-blk requests (docs/disk.md, "Batches"): a vendor extension of
 * virtio-blk that only exosim offers.  Shared by hostsim/virtio_blk.c and the kernel's
 * driver; QEMU has no such feature, and the kernel then uses one request per transfer.
 *
 * Why: on KVM nested on PVM every ring-0 instruction is an emulated exit (~1-2 µs), so a
 * kernel that writes descriptors for each 4 KiB request spends ~200 of them a request.
 * A batch moves that work to the VMM, which already checks every guest address: the
 * kernel checks a libOS's capabilities once for the whole batch and writes them into the
 * binding below, and the device checks every entry against that binding.  The binding
 * is the kernel's word (in kernel memory); the entries are the libOS's, never trusted.
 *
 * A batch is one chain: the 16-byte header (type VIRTIO_BLK_T_EXO_BATCH), then, readable,
 * a struct exo_blk_batch immediately followed by its n entries (struct exo_disk_req,
 * include/exo/disk.h: block, nblocks, page and status are used; extent, pages and op are
 * the binding's), then the status byte.  For each entry the device writes a result into
 * the entry's status word (an int64 at status + 8 * word: 0, or a negated EXO errno) and
 * then adds 1 to word 0 of that page, atomically: the counter the kernel's own
 * completions also add to (with lock add).  The chain completes, with one used-ring
 * entry and an interrupt as EVENT_IDX allows, when every entry has a result:
 *   -EXO_EINVAL  nblocks 0, or more than EXO_DISK_REQ_MAX_BYTES of data;
 *   -EXO_ENXIO   blocks past the end of the disk;
 *   -EXO_EPERM   blocks outside the binding's extent;
 *   -EXO_EFAULT  a buffer outside the binding's run;
 *   -EXO_EIO     the host's I/O failed.
 * An entry whose status word is 0 or >= EXO_DISK_STATUS_WORDS has nowhere to report: it
 * is skipped.  A malformed chain or binding is a protocol error (NEEDS_RESET). */
#ifndef HW_EXO_BLK_H
#define HW_EXO_BLK_H

#include <stdint.h>

/* A device-specific feature bit virtio 1.2 leaves unused for virtio-blk. */
#define VIRTIO_BLK_F_EXO_BATCH 23

/* Quiet interrupts, another exosim-only feature (bit 22, also unused by virtio 1.2):
 * each InterruptStatus read and InterruptACK write is a VM exit (tens of µs on KVM
 * nested on PVM, two an interrupt), and exosim's interrupt is an edge (KVM_IRQFD), so
 * nothing needs acknowledging.  With it negotiated, a used-buffer interrupt latches
 * nothing in InterruptStatus: the driver reaps the used ring without reading a
 * register.  A configuration change (NEEDS_RESET) still latches VIRTIO_INT_CONFIG and
 * also sets EXO_VRING_USED_F_CONFIG in every live queue's used->flags, a word the
 * driver reads from memory on each interrupt; acknowledging CONFIG clears it.  QEMU
 * offers no such bit: its driver path reads and acknowledges as virtio says. */
#define VIRTIO_BLK_F_EXO_QUIET_IRQ 22
#define EXO_VRING_USED_F_CONFIG    0x8000 /* used->flags: read InterruptStatus */
/* A request type outside virtio's (which are small numbers): "EXOB". */
#define VIRTIO_BLK_T_EXO_BATCH 0x424f5845u

#define EXO_BLK_BATCH_MAX 64 /* entries a batch may have (EXO_DISK_BATCH) */

struct exo_blk_batch {
	uint64_t first;      /* the extent's first block, absolute */
	uint64_t count;      /* the extent's blocks */
	uint64_t buf;        /* the buffer run: guest-physical, page-aligned */
	uint64_t buf_bytes;  /* its length */
	uint64_t status;     /* the status page: guest-physical, 4096 bytes */
	uint32_t block_size; /* bytes a block, 512..4096, a power of 2 */
	uint32_t type;       /* VIRTIO_BLK_T_IN (reads) or VIRTIO_BLK_T_OUT (writes) */
	uint32_t n;          /* entries, 1..EXO_BLK_BATCH_MAX */
	uint32_t pad;        /* 0 */
};

#endif
