/* NIC capabilities, packet filters and rings, and the checked transmit call.
 *
 * Receive: the driver hands every frame to net_receive, which runs the NIC's filters in
 * order of priority (highest first, kept sorted at install); the first that returns
 * nonzero owns the frame, which is copied into the next slot of that filter's ring if the
 * slot's owner word is 0, through the direct map, after checking that the filter's
 * environment still lives and holds the ring's page capability with WRITE: a ring given
 * back is never written, and there is nothing to revoke or drain (no device ever writes
 * a libOS page).  No match, a full ring or a ring no longer held: dropped and counted.
 *
 * Overlap: whether two eBPF programs accept a common frame is not decidable in general,
 * so the kernel does not try: two filters with the same priority on one NIC overlap (the
 * second is refused with EEXIST), and between different priorities the higher decides.
 * That check is one comparison per installed filter.
 *
 * Transmit: each frame is checked (length, pages held with READ, the source MAC of a bound
 * environment) before any is queued; then each is copied into a kernel transmit buffer
 * and the batch costs one notification. */
#include "net.h"

#include <exo/cap.h>
#include <exo/errno.h>
#include <exo/kinfo.h>
#include <exo/memlayout.h>
#include <exo/net.h>

#include "arch.h"
#include "gate.h"
#include "bpf.h"
#include "captab.h"
#include "env.h"
#include "kernel.h"
#include "kstring.h"
#include "uaccess.h"
#include "virtio_nic.h"

_Static_assert(sizeof(struct exo_kinfo) <= EXO_PAGE_SIZE, "the NIC table fits the info page");

struct filter {
	uint32_t env_id; /* 0: the entry is free */
	uint16_t env_slot;
	uint32_t ring_node; /* the ring's page capability's node + 1 */
	uint64_t ring_pfn;  /* its first frame */
	uint32_t nslots, next;
	uint32_t priority;
	uint32_t ninsns;
	struct bpf_insn prog[EXO_NET_MAX_INSNS];
};

/* Per NIC: the filters, and order[0..nfilters) their indexes by falling priority. */
static struct {
	struct filter f[EXO_NET_FILTERS];
	uint8_t order[EXO_NET_FILTERS];
	uint32_t nfilters;
} nets[EXO_NIC_MAX];

static struct bpf_verifier verifier;
static struct bpf_insn staged[EXO_NET_MAX_INSNS];

void net_grant_roots(struct env *e)
{
	for (unsigned i = 0; i < kinfo_page.nnics; i++) {
		uint32_t rights = EXO_RIGHT_READ | EXO_RIGHT_WRITE | EXO_RIGHT_GRANT;
		int64_t root = cap_create_kernel(&caps, EXO_CAP_NIC, rights, i);
		if (root < 0)
			panic("out of capabilities for nic %u", i);
		kinfo_page.nic[i].root_cap = cap_derive(&caps, (uint32_t)root - 1, e->slot, rights);
	}
}

/* The NIC behind slot with `right`: its index, or -EXO_E*. */
static long nic_of(const struct env *e, uint64_t slot, uint32_t right)
{
	const struct cap_node *n = cap_of(e, (int64_t)slot, EXO_CAP_NIC, right);
	if (IS_CAP_ERR(n))
		return CAP_ERR(n);
	return (long)n->object;
}

/* Does the filter's environment still hold its ring (with WRITE)? */
static bool ring_held(const struct filter *f)
{
	const struct env *e = &envs[f->env_slot];
	if (e->id != f->env_id)
		return false;
	const struct cap_node *n = &caps.nodes[f->ring_node - 1];
	return n->type == EXO_CAP_PAGE && n->holder == f->env_slot &&
	       (n->rights & EXO_RIGHT_WRITE) && f->ring_pfn - n->object < n->count;
}

static struct exo_net_slot *slot_at(const struct filter *f, uint32_t i)
{
	return (struct exo_net_slot *)((char *)kva(PA(f->ring_pfn)) + i * EXO_NET_SLOT);
}

void net_receive(unsigned nic, const uint8_t *frame, uint32_t len)
{
	struct exo_nic_info *info = &kinfo_page.nic[nic];
	for (uint32_t k = 0; k < nets[nic].nfilters; k++) {
		struct filter *f = &nets[nic].f[nets[nic].order[k]];
		uint64_t count = 0;
		uint64_t hit = bpf_run_counted(f->prog, frame, len, &count);
		info->filter_insns += count;
		if (!hit)
			continue;
		if (!ring_held(f))
			break; /* its owner is gone or gave the ring back: dropped */
		struct exo_net_ring *h = (struct exo_net_ring *)slot_at(f, 0);
		struct exo_net_slot *s = slot_at(f, f->next);
		if (s->owner) {
			h->dropped++;
			info->rx_full++;
			return;
		}
		memcpy(s->data, frame, len);
		__asm__ volatile("" ::: "memory"); /* the frame before its owner word */
		s->owner = len;
		h->delivered++;
		f->next = f->next == f->nslots ? 1 : f->next + 1;
		h->next = f->next;
		return;
	}
	info->rx_nomatch++;
}

/* The ring a filter names, checked: a run of its pages the caller holds with WRITE. */
static int ring_check(const struct env *e, const struct exo_net_filter *u, struct filter *f)
{
	if (u->ring_pages == 0 || u->ring_pages > EXO_NET_RING_PAGES)
		return -EXO_EINVAL;
	const struct cap_node *p = cap_of(e, u->ring_cap, EXO_CAP_PAGE, EXO_RIGHT_WRITE);
	if (IS_CAP_ERR(p))
		return CAP_ERR(p);
	if (u->ring_page >= p->count || u->ring_pages > p->count - u->ring_page)
		return -EXO_EFAULT;
	f->ring_node = cap_node_index(p) + 1;
	f->ring_pfn = p->object + u->ring_page;
	f->nslots = u->ring_pages * (EXO_PAGE_SIZE / EXO_NET_SLOT) - 1;
	f->next = 1;
	return 0;
}

/* Drops the filters whose environment is gone: their entries are free again. */
static void sweep(unsigned nic)
{
	uint32_t k = 0;
	for (uint32_t j = 0; j < nets[nic].nfilters; j++) {
		struct filter *f = &nets[nic].f[nets[nic].order[j]];
		if (envs[f->env_slot].id == f->env_id)
			nets[nic].order[k++] = nets[nic].order[j];
		else
			f->env_id = 0;
	}
	nets[nic].nfilters = k;
}

/* Where priority p goes in the order (after equal... none: refused), or -EXO_EEXIST. */
static long insert_pos(unsigned nic, uint32_t p)
{
	uint32_t k = 0;
	for (; k < nets[nic].nfilters; k++) {
		uint32_t q = nets[nic].f[nets[nic].order[k]].priority;
		if (q == p)
			return -EXO_EEXIST;
		if (q < p)
			break;
	}
	return k;
}

long sys_net_filter(uint64_t nic_cap, uint64_t ufilter)
{
	struct env *e = curenv;
	long nic = nic_of(e, nic_cap, EXO_RIGHT_READ);
	if (nic < 0)
		return nic;
	struct exo_net_filter u;
	if (copy_from_user(e->pml4, &u, ufilter, sizeof(u)))
		return -EXO_EFAULT;
	if (u.ninsns == 0 || u.ninsns > EXO_NET_MAX_INSNS) {
		u.err = u.ninsns ? BPF_ETOOLONG : BPF_EEMPTY;
		u.insn = 0;
		copy_to_user(e->pml4, ufilter, &u, sizeof(u));
		return -EXO_ENOEXEC;
	}
	/* Verified in the kernel's copy: user memory could change after the check. */
	if (copy_from_user(e->pml4, staged, u.insns, u.ninsns * sizeof(staged[0])))
		return -EXO_EFAULT;
	static struct filter f; /* static: it holds a program (one CPU, no reentry) */
	f = (struct filter){.env_id = e->id, .env_slot = e->slot, .priority = u.priority};
	int err = ring_check(e, &u, &f);
	if (err)
		return err;
	sweep((unsigned)nic);
	long pos = insert_pos((unsigned)nic, u.priority);
	if (pos < 0)
		return pos;
	if (bpf_verify(staged, u.ninsns, staged, &verifier) != BPF_OK) {
		u.err = verifier.err;
		u.insn = verifier.insn;
		copy_to_user(e->pml4, ufilter, &u, sizeof(u));
		return -EXO_ENOEXEC;
	}
	uint32_t id = 0;
	while (id < EXO_NET_FILTERS && nets[nic].f[id].env_id)
		id++;
	if (id == EXO_NET_FILTERS)
		return -EXO_ENOSPC;
	struct filter *slot = &nets[nic].f[id];
	memcpy(slot, &f, offsetof(struct filter, prog));
	slot->ninsns = u.ninsns;
	memcpy(slot->prog, staged, u.ninsns * sizeof(staged[0]));
	memset(slot_at(slot, 0), 0, sizeof(struct exo_net_ring));
	slot_at(slot, 0)->owner = 0;
	((struct exo_net_ring *)slot_at(slot, 0))->nslots = slot->nslots;
	((struct exo_net_ring *)slot_at(slot, 0))->next = 1;
	for (uint32_t i = 1; i <= slot->nslots; i++)
		slot_at(slot, i)->owner = 0;
	uint8_t *order = nets[nic].order;
	memmove(order + pos + 1, order + pos, nets[nic].nfilters - (uint32_t)pos);
	order[pos] = (uint8_t)id;
	nets[nic].nfilters++;
	return id;
}

long sys_net_unfilter(uint64_t nic_cap, uint64_t id)
{
	struct env *e = curenv;
	long nic = nic_of(e, nic_cap, EXO_RIGHT_READ);
	if (nic < 0)
		return nic;
	if (id >= EXO_NET_FILTERS || nets[nic].f[id].env_id != e->id)
		return -EXO_ENOENT;
	nets[nic].f[id].env_id = 0xffffffffu; /* no environment has it: swept */
	sweep((unsigned)nic);
	nets[nic].f[id].env_id = 0;
	return 0;
}

/* A frame to send, checked: where its bytes are. */
static int tx_check(const struct env *e, const struct exo_net_tx *t, const uint8_t **bytes)
{
	if (t->len < EXO_NET_TX_MIN || t->len > EXO_NET_TX_MAX)
		return -EXO_EINVAL;
	const struct cap_node *p = cap_of(e, t->pages, EXO_CAP_PAGE, EXO_RIGHT_READ);
	if (IS_CAP_ERR(p))
		return CAP_ERR(p) == -EXO_EACCES ? -EXO_EACCES : -EXO_EFAULT;
	uint64_t start = (uint64_t)t->page * EXO_PAGE_SIZE + t->offset;
	if (t->page >= p->count || t->offset >= (uint64_t)p->count * EXO_PAGE_SIZE ||
	    start + t->len > p->count * EXO_PAGE_SIZE)
		return -EXO_EFAULT;
	*bytes = (const uint8_t *)kva(PA(p->object)) + start;
	if (e->net_mac) { /* bound: the source MAC (bytes 6..11) must be its own */
		uint64_t src = 0;
		memcpy(&src, *bytes + 6, 6);
		if (src != (e->net_mac & 0xffffffffffffull))
			return -EXO_EPERM;
	}
	return 0;
}

long sys_net_tx(uint64_t nic_cap, uint64_t uvec, uint64_t n)
{
	static struct exo_net_tx vec[EXO_NET_BATCH];
	static const uint8_t *bytes[EXO_NET_BATCH];
	struct env *e = curenv;
	long nic = nic_of(e, nic_cap, EXO_RIGHT_WRITE);
	if (nic < 0)
		return nic;
	if (n == 0 || n > EXO_NET_BATCH)
		return -EXO_EINVAL;
	if (copy_from_user(e->pml4, vec, uvec, n * sizeof(vec[0])))
		return -EXO_EFAULT;
	for (uint64_t i = 0; i < n; i++) {
		int err = tx_check(e, &vec[i], &bytes[i]);
		if (err)
			return err;
	}
	uint64_t sent = 0;
	for (; sent < n; sent++) {
		uint8_t *b = virtio_net_tx_buf((unsigned)nic);
		if (!b)
			break; /* the queue is full: the caller sends the rest later */
		memcpy(b, bytes[sent], vec[sent].len);
		virtio_net_send((unsigned)nic, vec[sent].len);
	}
	virtio_net_kick((unsigned)nic);
	return sent ? (long)sent : -EXO_EAGAIN;
}

long sys_net_bind(uint64_t nic_cap, uint64_t env_cap, uint64_t mac)
{
	struct env *e = curenv;
	long nic = nic_of(e, nic_cap, EXO_RIGHT_GRANT);
	if (nic < 0)
		return nic;
	int err = 0;
	struct env *t = env_from_cap(e, (int64_t)env_cap, EXO_RIGHT_WRITE, &err);
	if (!t)
		return err;
	if (mac >> 48)
		return -EXO_EINVAL;
	/* The MAC as its 6 bytes read little-endian; bit 48 marks "bound" (a MAC of 0). */
	t->net_mac = mac | 1ull << 48;
	return 0;
}
