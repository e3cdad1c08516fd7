/* ExOS's raw packet interface (<exos/net.h>).
 *
 * A ring is a fresh run of pages at EXOS_NET_RINGS and up; the kernel writes frames into
 * it in slot order, so the process looks only at its next slot: a nonzero owner word is
 * a frame, and writing 0 gives the slot back.  Waiting is one predicate, "the owner word
 * of my next slot != 0" (or the clock past a deadline): a frame that lands between the
 * look and the sleep makes the predicate true at once, so none is missed. */
#include <exos/net.h>
#include <exos/vm.h>

static uint64_t next_ring = EXOS_NET_RINGS;
static uint64_t next_buf = EXOS_NET_BUF;

int exos_net_root(unsigned nic)
{
	const volatile struct exo_kinfo *k = exo_kinfo();
	if (nic >= k->nnics || k->nic[nic].root_cap < 0)
		return -EXO_ENOENT;
	return k->nic[nic].root_cap;
}

/* The capability slot and frame index of the page at va (mapped by exos_map_run). */
static long frame_of(uint64_t va, uint32_t *first)
{
	uint64_t pfn = exos_pfn(va);
	return pfn ? exos_frame_cap(pfn, first) : -EXO_EFAULT;
}

int exos_net_open(struct exos_net_ring *r, int nic_cap, const void *prog, size_t n,
                  uint32_t priority, unsigned pages, struct exo_net_filter *verdict)
{
	if (pages == 0 || pages > EXO_NET_RING_PAGES)
		return -EXO_EINVAL;
	uint64_t va = next_ring;
	long err = exos_map_run(va, pages, EXO_PTE_W | EXO_PTE_NX);
	if (err < 0)
		return (int)err;
	next_ring += (uint64_t)pages * EXO_PAGE_SIZE;
	uint32_t first;
	long slot = frame_of(va, &first);
	if (slot < 0)
		return (int)slot;
	struct exo_net_filter f = {.insns = (uint64_t)prog,
	                           .ninsns = (uint32_t)n,
	                           .priority = priority,
	                           .ring_cap = (int32_t)slot,
	                           .ring_page = first,
	                           .ring_pages = pages};
	long id = exo_net_filter(nic_cap, &f);
	if (verdict)
		*verdict = f;
	if (id < 0)
		return (int)id;
	*r = (struct exos_net_ring){.nic_cap = nic_cap,
	                            .id = (int)id,
	                            .hdr = (volatile struct exo_net_ring *)va,
	                            .nslots = 2 * pages - 1,
	                            .next = 1};
	return 0;
}

int exos_net_close(struct exos_net_ring *r)
{
	return (int)exo_net_unfilter(r->nic_cap, r->id);
}

static volatile struct exo_net_slot *slot(const struct exos_net_ring *r, uint32_t i)
{
	return (volatile struct exo_net_slot *)((uintptr_t)r->hdr + (uintptr_t)i * EXO_NET_SLOT);
}

const uint8_t *exos_net_recv(struct exos_net_ring *r, uint32_t *len)
{
	volatile struct exo_net_slot *s = slot(r, r->next);
	uint64_t owner = s->owner;
	if (!owner)
		return 0;
	__asm__ volatile("" ::: "memory"); /* the owner word before the frame */
	*len = (uint32_t)owner;
	return (const uint8_t *)s->data;
}

void exos_net_done(struct exos_net_ring *r)
{
	__asm__ volatile("" ::: "memory"); /* done with the frame before giving it back */
	slot(r, r->next)->owner = 0;
	r->next = r->next == r->nslots ? 1 : r->next + 1;
}

int exos_net_wait(struct exos_net_ring *r, uint64_t deadline)
{
	return exos_net_wait_any(r, 1, deadline);
}

/* One term per ring, "the owner word of its next slot != 0", OR the clock. */
int exos_net_wait_any(struct exos_net_ring *r, size_t n, uint64_t deadline)
{
	struct exo_pred_term t[EXOS_NET_WAIT_MAX + 1];
	if (n == 0 || n > EXOS_NET_WAIT_MAX)
		return -EXO_EINVAL;
	for (;;) {
		for (size_t i = 0; i < n; i++)
			if (slot(&r[i], r[i].next)->owner)
				return (int)i + 1;
		if (deadline && exo_rdtsc() >= deadline)
			return 0;
		for (size_t i = 0; i < n; i++)
			t[i] = (struct exo_pred_term){
			        .op = EXO_PRED_NE,
			        .lhs_kind = EXO_OPND_MEM,
			        .rhs_kind = EXO_OPND_CONST,
			        .flags = EXO_PRED_OR,
			        .lhs = (uint64_t)&slot(&r[i], r[i].next)->owner,
			        .rhs = 0};
		t[n] = (struct exo_pred_term){.op = EXO_PRED_GE,
		                              .lhs_kind = EXO_OPND_CLOCK,
		                              .rhs_kind = EXO_OPND_CONST,
		                              .rhs = deadline};
		long e = exo_wait(t, deadline ? n + 1 : n);
		if (e < 0 && e != -EXO_EINTR)
			return (int)e;
	}
}

void *exos_net_buffer(size_t bytes)
{
	return exos_run_buffer(&next_buf, bytes, 512);
}

/* The device's transmit queue was full (EXO_SYS_NET_TX queued fewer than asked): sleeps
 * until half of it is free.  The kernel takes completions with an interrupt from then on
 * until that point, so this is one predicate on the exported tx_done, never a poll. */
static long tx_wait(int nic_cap)
{
	struct exo_cap_info ci;
	long e = exo_cap_info(nic_cap, &ci);
	if (e < 0)
		return e;
	if (ci.type != EXO_CAP_NIC || ci.object >= exo_kinfo()->nnics)
		return -EXO_EINVAL;
	const volatile struct exo_nic_info *ni = &exo_kinfo()->nic[ci.object];
	uint64_t room = ni->tx_frames - ni->tx_slots / 2;
	struct exo_pred_term t = {.op = EXO_PRED_GE,
	                          .lhs_kind = EXO_OPND_MEM,
	                          .rhs_kind = EXO_OPND_CONST,
	                          .lhs = (uint64_t)&ni->tx_done,
	                          .rhs = room};
	while (ni->tx_done < room)
		if ((e = exo_wait(&t, 1)) < 0 && e != -EXO_EINTR)
			return e;
	return 0;
}

long exos_net_send(int nic_cap, const struct exos_net_frame *f, size_t n)
{
	struct exo_net_tx v[EXO_NET_BATCH];
	size_t done = 0;
	while (done < n) {
		size_t k = n - done < EXO_NET_BATCH ? n - done : EXO_NET_BATCH;
		for (size_t i = 0; i < k; i++) {
			uint64_t va = (uint64_t)f[done + i].data;
			uint32_t first;
			long s = frame_of(va & ~(uint64_t)(EXO_PAGE_SIZE - 1), &first);
			if (s < 0)
				return done ? (long)done : s;
			v[i] = (struct exo_net_tx){.pages = (int32_t)s,
			                           .page = first,
			                           .offset = (uint32_t)(va % EXO_PAGE_SIZE),
			                           .len = f[done + i].len};
		}
		long r = exo_net_tx(nic_cap, v, k);
		if (r < 0 && r != -EXO_EAGAIN)
			return done ? (long)done : r;
		done += r > 0 ? (size_t)r : 0;
		if ((r < 0 || (size_t)r < k) && (r = tx_wait(nic_cap)) < 0)
			return done ? (long)done : r;
	}
	return (long)done;
}

/* One eBPF instruction (RFC 9669's layout: code, dst | src << 4, off, imm). */
static uint64_t insn(uint8_t code, unsigned dst, unsigned src, int16_t off, int32_t imm)
{
	return code | (uint64_t)(dst | src << 4) << 8 | (uint64_t)(uint16_t)off << 16 |
	       (uint64_t)(uint32_t)imm << 32;
}

#define LDXH  0x69 /* LDX | MEM | H */
#define LDXW  0x61 /* LDX | MEM | W */
#define JEQ   0x15 /* JMP | JEQ | K */
#define JNE   0x55
#define JEQ32 0x16 /* JMP32 | JEQ | K: the loaded word against imm, no sign extension */
#define JA    0x05
#define MOV   0xb7 /* ALU64 | MOV | K */
#define EXIT  0x95

size_t exos_net_filter_ip(uint32_t ip, uint64_t prog[EXOS_NET_FILTER_IP_LEN])
{
	const uint64_t p[EXOS_NET_FILTER_IP_LEN] = {
	        insn(LDXH, 3, 1, 12, 0),           /* 0: r3 = EtherType */
	        insn(JEQ, 3, 0, 4, 0x0608),        /* 1: ARP -> 6 */
	        insn(JNE, 3, 0, 6, 0x0008),        /* 2: not IPv4 -> 9 */
	        insn(LDXW, 3, 1, 30, 0),           /* 3: IPv4 destination */
	        insn(JEQ32, 3, 0, 6, (int32_t)ip), /* 4: -> 11 */
	        insn(JA, 0, 0, 3, 0),              /* 5: -> 9 */
	        insn(LDXW, 3, 1, 38, 0),           /* 6: ARP target address */
	        insn(JEQ32, 3, 0, 3, (int32_t)ip), /* 7: -> 11 */
	        insn(JA, 0, 0, 0, 0),              /* 8: -> 9 */
	        insn(MOV, 0, 0, 0, 0),             /* 9: no match */
	        insn(EXIT, 0, 0, 0, 0),            /* 10 */
	        insn(MOV, 0, 0, 0, 1),             /* 11: match */
	        insn(EXIT, 0, 0, 0, 0),            /* 12 */
	};
	for (size_t i = 0; i < EXOS_NET_FILTER_IP_LEN; i++)
		prog[i] = p[i];
	return EXOS_NET_FILTER_IP_LEN;
}

size_t exos_net_filter_type(uint16_t ethertype, uint64_t prog[EXOS_NET_FILTER_TYPE_LEN])
{
	uint16_t le = (uint16_t)(ethertype >> 8 | ethertype << 8); /* as the load sees it */
	prog[0] = insn(LDXH, 3, 1, 12, 0);
	prog[1] = insn(MOV, 0, 0, 0, 0);
	prog[2] = insn(JNE, 3, 0, 1, le);
	prog[3] = insn(MOV, 0, 0, 0, 1);
	prog[4] = insn(EXIT, 0, 0, 0, 0);
	return EXOS_NET_FILTER_TYPE_LEN;
}

uint16_t exos_inet_csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s; /* in host order: store big-endian */
}
