/* Disk extents as capabilities, and the checked, batched I/O calls on them.
 *
 * The kernel protects; it does not manage: it checks that each request names
 * blocks of an extent the caller holds, with the right for the operation, and
 * a buffer in frames the caller holds with the opposite right (a read writes
 * memory), then hands it to the driver.  Everything is checked before anything
 * is submitted.  The checks are range comparisons against capabilities (a
 * buffer is a run of frames, not a list of pages), so their cost does not grow
 * with the size of a transfer.
 *
 * Completions go to the status page the environment registered (disk.h).  It
 * is named by a page capability and written through the direct map; before
 * each write the kernel checks that the environment still holds that
 * capability, so a completion after the page was given back writes nothing.
 * The buffer's frames cannot change hands under I/O: a page capability that
 * dies first waits for the requests on its frames (captab.c). */
#include "disk.h"

#include <exo/cap.h>
#include <exo/disk.h>
#include <exo/errno.h>
#include <exo/kinfo.h>
#include <exo/memlayout.h>

#include "arch.h"
#include "gate.h"
#include "captab.h"
#include "env.h"
#include "kernel.h"
#include "pmem.h"
#include "uaccess.h"
#include "virtio_disk.h"

_Static_assert(sizeof(struct exo_kinfo) <= EXO_PAGE_SIZE, "the disk table fits the info page");

void disk_grant_roots(struct env *e)
{
	for (unsigned i = 0; i < kinfo_page.ndisks; i++) {
		struct exo_disk_info *d = &kinfo_page.disk[i];
		uint32_t rights = EXO_RIGHT_READ | EXO_RIGHT_GRANT | EXO_RIGHT_REVOKE |
		                  (d->flags & EXO_DISK_RO ? 0 : EXO_RIGHT_WRITE);
		uint64_t count = d->blocks;
		if (count > UINT32_MAX) { /* a capability counts in 32 bits */
			kprintf("exo: disk %u: only its first %u blocks are reachable\n", i,
			        UINT32_MAX);
			count = UINT32_MAX;
		}
		if (!count)
			continue;
		int64_t root = cap_create_kernel(&caps, EXO_CAP_DISK, rights,
		                                 (uint64_t)i << EXO_DISK_CAP_SHIFT);
		if (root < 0)
			panic("out of capabilities for disk %u", i);
		caps.nodes[root - 1].count = (uint32_t)count; /* the whole disk */
		d->root_cap = cap_derive(&caps, (uint32_t)root - 1, e->slot, rights);
	}
}

/* Does the environment in `slot` hold the status page (frame pfn) through
 * node node1 - 1, with the right to write it? */
static bool status_held(uint32_t node1, uint16_t slot, uint64_t pfn)
{
	if (!node1)
		return false;
	const struct cap_node *n = &caps.nodes[node1 - 1];
	return n->type == EXO_CAP_PAGE && n->holder == slot && (n->rights & EXO_RIGHT_WRITE) &&
	       pfn - n->object < n->count;
}

static volatile int64_t *status_word(uint64_t pfn, uint32_t word)
{
	return (volatile int64_t *)kva(PA(pfn)) + word;
}

void disk_complete(const struct vblk_owner *w, int result)
{
	const struct env *e = &envs[w->env_slot];
	if (e->id != w->env_id || !status_held(w->status_node, w->env_slot, w->status_pfn))
		return; /* it is gone, or gave the page back */
	*status_word(w->status_pfn, w->word) = result;
	(*status_word(w->status_pfn, EXO_DISK_COUNTER))++;
}

long sys_disk_status(uint64_t page_cap, uint64_t index)
{
	struct env *e = curenv;
	if ((int64_t)page_cap == -1) {
		e->disk_status_node = 0;
		return 0;
	}
	const struct cap_node *p = cap_of(e, (int64_t)page_cap, EXO_CAP_PAGE, EXO_RIGHT_WRITE);
	if (IS_CAP_ERR(p))
		return CAP_ERR(p);
	if (index >= p->count)
		return -EXO_EINVAL;
	e->disk_status_pfn = p->object + index;
	e->disk_status_node = cap_node_index(p) + 1;
	return 0;
}

/* The caller's status page for a new request, and the owner record its
 * completion will find. */
static int owner_of(struct env *e, uint64_t word, struct vblk_owner *who)
{
	if (word == EXO_DISK_COUNTER || word >= EXO_DISK_STATUS_WORDS)
		return -EXO_EINVAL;
	if (!status_held(e->disk_status_node, e->slot, e->disk_status_pfn))
		return -EXO_ENOENT;
	*who = (struct vblk_owner){e->disk_status_pfn, e->disk_status_node, e->id, e->slot,
	                           (uint16_t)word};
	return 0;
}

/* The node behind slot in e's table if it has `type`, else NULL (*err set):
 * cap_of's checks, inline, for the per-request path. */
static const struct cap_node *node_of(const struct env *e, int64_t slot, uint32_t type, int *err)
{
	int64_t i = cap_lookup(&caps, e->slot, slot);
	if (i < 0)
		return *err = -EXO_EBADF, (const struct cap_node *)0;
	const struct cap_node *n = &caps.nodes[i];
	if (n->type != type)
		return *err = -EXO_EINVAL, (const struct cap_node *)0;
	return n;
}

/* The extent behind slot, with the right op needs; its disk in *disk. */
static const struct cap_node *extent_of(const struct env *e, int64_t slot, uint32_t right,
                                        unsigned *disk, int *err)
{
	const struct cap_node *x = node_of(e, slot, EXO_CAP_DISK, err);
	if (!x)
		return 0;
	*disk = EXO_DISK_CAP_DISK(x->object);
	uint32_t flags = kinfo_page.disk[*disk].flags; /* disk < ndisks: roots are made so */
	*err = flags & EXO_DISK_DEAD                             ? -EXO_EIO
	       : right == EXO_RIGHT_WRITE && flags & EXO_DISK_RO ? -EXO_EROFS
	       : !(x->rights & right)                            ? -EXO_EACCES
	                                                         : 0;
	return *err ? 0 : x;
}

struct checked {
	uint64_t block; /* absolute */
	uint64_t pa;
	uint32_t len;
	uint32_t disk;
};

/* The whole check of one request (the order of the errors is the ABI's). */
static int check(const struct env *e, const struct exo_disk_req *r, struct checked *c)
{
	if (r->op > EXO_DISK_WRITE || r->nblocks == 0 || r->status == EXO_DISK_COUNTER ||
	    r->status >= EXO_DISK_STATUS_WORDS)
		return -EXO_EINVAL;
	bool write = r->op == EXO_DISK_WRITE;
	int err;
	const struct cap_node *x =
	        extent_of(e, r->extent, write ? EXO_RIGHT_WRITE : EXO_RIGHT_READ, &c->disk, &err);
	if (!x)
		return err;
	const struct exo_disk_info *d = &kinfo_page.disk[c->disk];
	uint64_t bytes = (uint64_t)r->nblocks * d->block_size;
	if (bytes > EXO_DISK_REQ_MAX_BYTES)
		return -EXO_EINVAL;
	uint64_t first = EXO_DISK_CAP_BLOCK(x->object);
	if (r->block >= d->blocks - first || r->nblocks > d->blocks - first - r->block)
		return -EXO_ENXIO;
	if (r->block >= x->count || r->nblocks > x->count - r->block)
		return -EXO_EPERM;
	const struct cap_node *p = node_of(e, r->pages, EXO_CAP_PAGE, &err);
	uint64_t frames = (bytes + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE;
	if (!p || r->page >= p->count || frames > p->count - r->page)
		return -EXO_EFAULT;
	if (!(p->rights & (write ? EXO_RIGHT_READ : EXO_RIGHT_WRITE)))
		return -EXO_EACCES;
	c->block = first + r->block;
	c->pa = PA(p->object + r->page);
	c->len = (uint32_t)bytes;
	return 0;
}

long sys_disk_io(uint64_t ureqs, uint64_t n)
{
	static struct exo_disk_req reqs[EXO_DISK_BATCH];
	static struct checked chk[EXO_DISK_BATCH];
	struct env *e = curenv;
	if (n == 0 || n > EXO_DISK_BATCH)
		return -EXO_EINVAL;
	if (copy_from_user(e->pml4, reqs, ureqs, n * sizeof(reqs[0])))
		return -EXO_EFAULT;
	struct vblk_owner who;
	int err = owner_of(e, 1, &who);
	if (err)
		return err;
	for (uint64_t i = 0; i < n; i++)
		if ((err = check(e, &reqs[i], &chk[i])))
			return err;
	uint64_t done = 0, touched = 0;
	for (; done < n; done++) {
		const struct checked *c = &chk[done];
		who.word = (uint16_t)reqs[done].status;
		uint32_t type =
		        reqs[done].op == EXO_DISK_WRITE ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
		if (virtio_blk_queue(c->disk, type, c->block, c->pa, c->len, &who))
			break; /* that queue is full: the caller resubmits the rest */
		*status_word(who.status_pfn, who.word) = EXO_DISK_PENDING;
		touched |= 1ul << c->disk;
	}
	for (; touched; touched &= touched - 1)
		virtio_blk_kick((unsigned)__builtin_ctzl(touched));
	return done ? (long)done : -EXO_EAGAIN;
}

long sys_disk_flush(uint64_t extent, uint64_t word)
{
	struct env *e = curenv;
	unsigned disk;
	int err;
	if (!extent_of(e, (int64_t)extent, EXO_RIGHT_WRITE, &disk, &err))
		return err;
	struct vblk_owner who;
	if ((err = owner_of(e, word, &who)))
		return err;
	if (!(kinfo_page.disk[disk].flags & EXO_DISK_FLUSH)) {
		disk_complete(&who, 0); /* write-through: completed writes are durable */
		return 0;
	}
	if ((err = virtio_blk_queue(disk, VIRTIO_BLK_T_FLUSH, 0, 0, 0, &who)))
		return err;
	*status_word(who.status_pfn, who.word) = EXO_DISK_PENDING;
	virtio_blk_kick(disk);
	return 0;
}
