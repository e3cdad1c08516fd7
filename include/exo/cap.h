/* Capabilities: unforgeable references to hardware resources, held by the
 * kernel in a per-environment table and named by their slot index.
 *
 * A capability is either a root (acquired: EXO_SYS_CAP_ACQUIRE, or made by the
 * kernel for a new environment) or derived from another by a grant.  Revoking
 * or releasing a capability revokes every capability derived from it,
 * transitively, and every page mapping made with them. */
#ifndef EXO_CAP_H
#define EXO_CAP_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* Types. */
#define EXO_CAP_NONE  0
#define EXO_CAP_PAGE  1 /* a run of contiguous physical pages; object = first frame number */
#define EXO_CAP_ENV   2 /* an environment; object = env id */
#define EXO_CAP_SLICE 3 /* a CPU time slice; object = its position (sched.h) */
#define EXO_CAP_DISK  4 /* an extent of a disk: count blocks from object (disk.h) */
#define EXO_CAP_NIC   5 /* a NIC: object = its index in exo_kinfo.nic[] (net.h) */

/* Rights. */
#define EXO_RIGHT_READ 0x01 /* map readable; read an environment's state */
#define EXO_RIGHT_WRITE                                                                            \
	0x02                  /* map writable; change an environment (map into it, start, destroy) \
	                       */
#define EXO_RIGHT_MAP    0x04 /* use in a page-table call */
#define EXO_RIGHT_GRANT  0x08 /* derive a capability for another environment */
#define EXO_RIGHT_REVOKE 0x10 /* revoke what was derived from it; reclaim an env's pages */
#define EXO_RIGHT_CALL   0x20 /* protected control transfer into an environment */
#define EXO_RIGHTS_ALL   0x3f

/* EXO_SYS_CAP_ACQUIRE's arg for "any free page". */
#define EXO_ANY (~0ul)

/* Every environment finds a capability for itself in slot 0. */
#define EXO_CAP_SELF 0
/* The first environment finds, in slot 1, a read-only page capability
 * (EXO_RIGHT_READ | EXO_RIGHT_MAP | EXO_RIGHT_GRANT) over the initramfs frames:
 * frame i of the run holds initramfs bytes [i * 4096, (i + 1) * 4096). */
#define EXO_CAP_INITRD 1
/* Slots per environment.  A page capability names a run of frames
 * (EXO_SYS_RUN_ALLOC), so this does not bound memory. */
#define EXO_CAP_SLOTS 16384

/* The most ops one EXO_SYS_CAP_GRANT_AT takes. */
#define EXO_GRANT_BATCH 256

#ifndef __ASSEMBLER__
/* One grant of EXO_SYS_CAP_GRANT_AT: frames [first, first + count) of cap's
 * run (count 0: all of it) into the target's slot `slot`, with `rights`. */
struct exo_grant_op {
	int32_t cap;
	int32_t slot;
	uint32_t rights;
	uint32_t pad;
	uint64_t first, count;
};

struct exo_cap_info {
	uint32_t type;   /* EXO_CAP_* */
	uint32_t rights; /* EXO_RIGHT_* */
	uint64_t object; /* pfn (the first of the run), env id, slice position, or
	                    disk and first block (EXO_DISK_CAP_DISK/_BLOCK, disk.h) */
	uint64_t count;  /* EXO_CAP_PAGE: frames in the run; EXO_CAP_DISK: blocks; else 1 */
};
#endif

#endif
