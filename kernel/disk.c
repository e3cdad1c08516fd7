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
 * is named by a page capability, checked at submission, and written through the
 * direct map.  Neither its frame nor the buffer's can change hands under I/O: a
 * page capability that dies first waits for the requests on its frames or
 * reporting into them (captab.c), so a completion writes without a check. */
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

#include <hw/exo_blk.h>

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

/* The caller's status page, held with WRITE, for new requests: its frame, or
 * -EXO_ENOENT.  A request reports to the page registered when it was submitted. */
static int64_t status_page(const struct env *e)
{
	if (!status_held(e->disk_status_node, e->slot, e->disk_status_pfn))
		return -EXO_ENOENT;
	return (int64_t)e->disk_status_pfn;
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

/* The capabilities the previous request of a batch named, already found and checked
 * for its operation: a batch usually names the same extent and buffer run request after
 * request, and each lookup costs ring-0 instructions (~2 µs each on KVM-on-PVM, the cost
 * of a request here).  Only what passed is kept, so the errors and their order are the
 * same as checking each request from scratch. */
struct seen {
	int32_t extent, pages; /* slots, -1: none yet */
	uint32_t op;
	const struct cap_node *x, *p;
	unsigned disk;
	bool p_right; /* p has the right op needs of the buffer */
};

/* The whole check of one request (the order of the errors is the ABI's). */
static int check(const struct env *e, const struct exo_disk_req *r, struct seen *k,
                 struct vblk_req *c)
{
	if (r->op > EXO_DISK_WRITE || r->nblocks == 0 || r->status == EXO_DISK_COUNTER ||
	    r->status >= EXO_DISK_STATUS_WORDS)
		return -EXO_EINVAL;
	bool write = r->op == EXO_DISK_WRITE;
	int err;
	if (r->extent != k->extent || r->op != k->op) {
		k->pages = -1; /* its right depends on the operation */
		k->x = extent_of(e, r->extent, write ? EXO_RIGHT_WRITE : EXO_RIGHT_READ, &k->disk,
		                 &err);
		if (!k->x)
			return k->extent = -1, err;
		k->extent = r->extent;
		k->op = r->op;
	}
	const struct cap_node *x = k->x;
	const struct exo_disk_info *d = &kinfo_page.disk[k->disk];
	uint64_t bytes = (uint64_t)r->nblocks * d->block_size;
	if (bytes > EXO_DISK_REQ_MAX_BYTES)
		return -EXO_EINVAL;
	uint64_t first = EXO_DISK_CAP_BLOCK(x->object);
	if (r->block >= d->blocks - first || r->nblocks > d->blocks - first - r->block)
		return -EXO_ENXIO;
	if (r->block >= x->count || r->nblocks > x->count - r->block)
		return -EXO_EPERM;
	if (r->pages != k->pages) {
		const struct cap_node *p = node_of(e, r->pages, EXO_CAP_PAGE, &err);
		if (!p)
			return -EXO_EFAULT;
		k->p = p;
		k->p_right = p->rights & (write ? EXO_RIGHT_READ : EXO_RIGHT_WRITE);
		k->pages = r->pages;
	}
	uint64_t frames = (bytes + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE;
	if (r->page >= k->p->count || frames > k->p->count - r->page)
		return -EXO_EFAULT;
	if (!k->p_right)
		return -EXO_EACCES;
	c->block = first + r->block;
	c->buf_pa = PA(k->p->object + r->page);
	c->len = (uint32_t)bytes;
	c->type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	c->disk = (uint16_t)k->disk;
	return 0;
}

long sys_disk_io(uint64_t ureqs, uint64_t n)
{
	static struct exo_disk_req reqs[EXO_DISK_BATCH];
	static struct vblk_req chk[EXO_DISK_BATCH];
	struct env *e = curenv;
	if (n == 0 || n > EXO_DISK_BATCH)
		return -EXO_EINVAL;
	if (copy_from_user(e->pml4, reqs, ureqs, n * sizeof(reqs[0])))
		return -EXO_EFAULT;
	int64_t status_pfn = status_page(e);
	if (status_pfn < 0)
		return status_pfn;
	volatile int64_t *status = status_word((uint64_t)status_pfn, 0);
	struct seen k = {.extent = -1, .pages = -1};
	for (uint64_t i = 0; i < n; i++) {
		int err = check(e, &reqs[i], &k, &chk[i]);
		if (err)
			return err;
		chk[i].status = (int64_t *)status + reqs[i].status;
	}
	size_t done = virtio_blk_submit(chk, n);
	return done ? (long)done : -EXO_EAGAIN;
}

long sys_disk_flush(uint64_t extent, uint64_t word)
{
	struct env *e = curenv;
	unsigned disk;
	int err;
	if (!extent_of(e, (int64_t)extent, EXO_RIGHT_WRITE, &disk, &err))
		return err;
	if (word == EXO_DISK_COUNTER || word >= EXO_DISK_STATUS_WORDS)
		return -EXO_EINVAL;
	int64_t status_pfn = status_page(e);
	if (status_pfn < 0)
		return status_pfn;
	volatile int64_t *w = status_word((uint64_t)status_pfn, (uint32_t)word);
	if (!(kinfo_page.disk[disk].flags & EXO_DISK_FLUSH)) {
		*w = 0; /* write-through: completed writes are durable */
		__atomic_fetch_add(status_word((uint64_t)status_pfn, EXO_DISK_COUNTER), 1,
		                   __ATOMIC_RELEASE); /* lock add: exosim adds too (batches) */
		return 0;
	}
	struct vblk_req f = {
	        .type = VIRTIO_BLK_T_FLUSH, .disk = (uint16_t)disk, .status = (int64_t *)w};
	return virtio_blk_submit(&f, 1) ? 0 : -EXO_EAGAIN;
}

/* Where a batch's entries are: the caller's vector [va, va + len), 8-aligned (no field
 * crosses a page), in pages it has mapped readable, in one or two physical pieces.  Not
 * copied: ring 0 would spend an emulated instruction on every 8 bytes, and the device
 * trusts no entry anyway (it reads each once and checks it against the binding). */
static int entries_at(const struct env *e, uint64_t va, uint64_t len, struct vblk_vec *v)
{
	if (va % 8)
		return -EXO_EINVAL;
	if (!user_range_ok(va, len))
		return -EXO_EFAULT;
	uint64_t first = EXO_PAGE_SIZE - va % EXO_PAGE_SIZE;
	v->len[0] = (uint32_t)(len < first ? len : first);
	v->len[1] = (uint32_t)(len - v->len[0]);
	v->pa[0] = user_phys(e->pml4, va, false);
	v->pa[1] = v->len[1] ? user_phys(e->pml4, va + first, false) : 0;
	if (v->pa[0] == UACCESS_NO_PAGE || v->pa[1] == UACCESS_NO_PAGE)
		return -EXO_EFAULT;
	return 0;
}

long sys_disk_batch(uint64_t extent, uint64_t pages, uint64_t op, uint64_t ureqs, uint64_t n)
{
	struct env *e = curenv;
	if (n == 0 || n > EXO_DISK_BATCH || op > EXO_DISK_WRITE)
		return -EXO_EINVAL;
	bool write = op == EXO_DISK_WRITE;
	unsigned disk;
	int err;
	const struct cap_node *x = extent_of(e, (int64_t)extent,
	                                     write ? EXO_RIGHT_WRITE : EXO_RIGHT_READ, &disk, &err);
	if (!x)
		return err;
	if (!(kinfo_page.disk[disk].flags & EXO_DISK_BATCHED))
		return -EXO_ENOSYS;
	const struct cap_node *p = node_of(e, (int64_t)pages, EXO_CAP_PAGE, &err);
	if (!p)
		return -EXO_EFAULT;
	if (!(p->rights & (write ? EXO_RIGHT_READ : EXO_RIGHT_WRITE)))
		return -EXO_EACCES;
	int64_t status_pfn = status_page(e);
	if (status_pfn < 0)
		return status_pfn;
	struct vblk_vec v;
	err = entries_at(e, ureqs, n * sizeof(struct exo_disk_req), &v);
	if (err)
		return err;
	struct exo_blk_batch *h = virtio_blk_batch_area(disk);
	if (!h)
		return -EXO_EAGAIN;
	/* The binding the device checks every entry against: what the caller holds. */
	*h = (struct exo_blk_batch){.first = EXO_DISK_CAP_BLOCK(x->object),
	                            .count = x->count,
	                            .buf = PA(p->object),
	                            .buf_bytes = p->count * EXO_PAGE_SIZE,
	                            .status = PA(status_pfn),
	                            .block_size = kinfo_page.disk[disk].block_size,
	                            .type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN,
	                            .n = (uint32_t)n};
	virtio_blk_batch_submit(disk, &v, (int64_t *)status_word((uint64_t)status_pfn, 0));
	return (long)n;
}
