/* Rewriting the program's syscall sites into jumps to per-site stubs, in the
 * style of gVisor's systrap ("syscall patching").
 *
 * Every site traps once (syscall.c's upcall), then linux_site_trapped tries
 * three forms, in this order, writing through the writable alias of the text
 * (no kernel crossing).  S is the address of the `syscall` (0f 05):
 *
 *   A  V, movable instructions, syscall    V (5..7 bytes) -> e9 rel32, int3s
 *   F  syscall, I (3+ bytes)               [S, S+5)       -> e9 rel32
 *   B  4x 89/8b modrm (mov %r64, %r64), syscall  [S-3, S+2) -> e9 rel32
 *
 * The jump goes to a stub that runs the displaced instructions (moved: insn.c),
 * sets rcx to where the program resumes (as `syscall` does) and jumps to
 * linux_direct_entry (entry.S), which returns there itself: no call, so
 * nothing is pushed into the program's red zone, and page 0 stays unmapped (a
 * null pointer faults as on Linux).
 *
 * Jump targets.  Code may jump straight to `syscall` with rax set elsewhere
 * (a retry loop), or to the instruction after it.  A replaces V only: the
 * rest and the `syscall` stay, so a jump to them runs the original code and
 * traps (slower, correct).  F starts with the jump at S, so a jump to S makes
 * the call; B and F leave, at S (B) or S+2 (F), byte 2 or byte 1 of rel32,
 * and the stub is placed so that byte is 0x06 or 0x07, invalid in 64-bit mode
 * (gVisor's trick): the #UD there is served as the `syscall` (B) or resumes
 * in the stub's copy of I (F) (linux_site_ud).  A jump into the middle of an
 * instruction is not something compiled code does.
 *
 * Instruction boundaries.  x86 cannot be decoded backwards, so bytes before S
 * could be the tail of a longer instruction.  A is only taken when the
 * registers at the trap confirm V (the register V sets holds what V sets) and
 * the instructions from V's end decode to exactly S; B when its two registers
 * are equal.  F needs no guess: S+2 is where `syscall` returns.  A mov from
 * rcx or r11, whose values `syscall` overwrote, cannot be confirmed and is
 * not taken.  Everything else stays on the trap path.
 *
 * Atomicity.  ExOS runs one of the program's threads at a time (M:1,
 * thread.c) and writes the text inside a call, so no half-written
 * instruction can run.  (Threads on several CPUs would need the int3-first
 * protocol of Linux's text_poke_bp.)  Another thread switched out in the
 * middle of the site, or blocked in a call that trapped there, resumes at an
 * instruction boundary each form keeps working: V (now the jump) or past it
 * (the original code) for A, S of a B site (its #UD is the call), S+2 of an
 * F site (its #UD resumes in the stub), S+2 of A and B (unchanged).
 *
 * Stubs live in a 32 MiB window within ±2 GiB of the text, its pages mapped
 * (read and execute) as stubs are needed and written through an alias at
 * LINUX_STUB_ALIAS.  The first 16 MiB are cut in 64 KiB slots of 64-byte A and
 * B stubs; a B stub for S goes in the slot 7 slots above S's 64 KiB chunk
 * (mod 256), so byte 2 of rel32 is 0x06 or 0x07.  The second 16 MiB hold F
 * stubs, each placed so that byte 1 of rel32 is 0x06 or 0x07. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <exos/vm.h>

#include "elf64.h"
#include "insn.h"
#include "linux.h"
#include "mm.h"

#define WINDOW_SIZE LINUX_STUB_WINDOW /* A and B slots, then F banks */
#define AB_SIZE     (16ul << 20)
#define SLOT_SIZE   0x10000ul
#define NSLOTS      (AB_SIZE / SLOT_SIZE)
#define STUB_SIZE   64
#define SLOT_STUBS  (SLOT_SIZE / STUB_SIZE)
#define B_SLOT_SKEW 7 /* rel32 byte 2 in {0x06, 0x07} */
#define F_STUB_SIZE 64
#define F_BANKS     ((WINDOW_SIZE - AB_SIZE) / SLOT_SIZE)
#define F_CELLS     (SLOT_SIZE / F_STUB_SIZE)

void linux_direct_entry(void);

uint64_t linux_sites_rewritten, linux_sites_seen;

/* ---- the rewritable text ---------------------------------------------- */

static uint64_t image_lo;
#define MAX_TEXT_RUNS 8
static struct {
	uint64_t lo, hi;
} text[MAX_TEXT_RUNS];
static int ntext;

static bool in_text(uint64_t va, size_t len)
{
	for (int i = 0; i < ntext; i++)
		if (va >= text[i].lo && va + len <= text[i].hi)
			return true;
	return false;
}

void linux_text_alias(uint64_t va, size_t npages)
{
	if (!linux_opts.rewrite || ntext == MAX_TEXT_RUNS)
		return;
	text[ntext].lo = va;
	text[ntext++].hi = va + npages * EXO_PAGE_SIZE;
}

/* Maps the alias of the text page at page, on the first write to it: most
 * text pages never hold a rewritten site, and a map costs ring-0 time per
 * page.  A page of our own is aliased; a page mapped in place from the
 * initramfs (load.c) is replaced first by a private copy, the alias's page:
 * the archive's frames are read-only and shared. */
static bool alias_page(uint64_t page)
{
	uint64_t alias = LINUX_TEXT_ALIAS + (page - image_lo), pte = exos_pte(page);
	if (exos_pte(alias) & EXO_PTE_P)
		return true;
	if (!(pte & EXO_PTE_P))
		return false;
	uint32_t first;
	long cap = exos_frame_cap((pte & EXO_PTE_ADDR) >> 12, &first);
	if (cap >= 0) {
		struct exo_map_op op = {.va = alias,
		                        .cap = (int32_t)cap,
		                        .first = first,
		                        .npages = 1,
		                        .perm = EXO_PTE_W | EXO_PTE_NX};
		return exo_map(EXO_CAP_SELF, &op, 1) == 1;
	}
	cap = exos_page_map(alias, EXO_PTE_W | EXO_PTE_NX);
	if (cap < 0)
		return false;
	memcpy((void *)alias, (const void *)page, EXO_PAGE_SIZE);
	struct exo_map_op op = {.va = page,
	                        .cap = (int32_t)cap,
	                        .npages = 1,
	                        .perm = pte & (EXO_PTE_NX | EXO_PTE_SW)};
	if (exo_map(EXO_CAP_SELF, &op, 1) == 1)
		return true;
	exos_unmap_range(alias, 1); /* mapped nowhere now: the page goes back */
	return false;
}

/* Writes n bytes of text at va through the alias; false (nothing written)
 * if the alias cannot be mapped, and the site keeps trapping. */
static bool text_write(uint64_t va, const uint8_t *bytes, size_t n)
{
	uint64_t first = va & ~(EXO_PAGE_SIZE - 1), last = (va + n - 1) & ~(EXO_PAGE_SIZE - 1);
	if (!alias_page(first) || (last != first && !alias_page(last)))
		return false;
	volatile uint8_t *alias = (volatile uint8_t *)(LINUX_TEXT_ALIAS + (va - image_lo));
	for (size_t i = n; i-- > 0;) /* the first byte, the opcode, last */
		alias[i] = bytes[i];
	return true;
}

/* ---- the sites seen ---------------------------------------------------- */

enum site_kind { SITE_TRAPS = 1, SITE_A, SITE_B, SITE_F };

#define SITES_MAX 8192 /* a power of two; busybox executes a few hundred */
static struct site {
	uint64_t va;   /* the `syscall`'s address */
	uint64_t cont; /* F: the stub's copy of the instruction after it */
	uint8_t kind;
} sites[SITES_MAX];

static struct site *site_slot(uint64_t va)
{
	size_t i = (size_t)((va * 0x9e3779b97f4a7c15ul) >> 51) & (SITES_MAX - 1);
	for (size_t n = 0; n < SITES_MAX; n++, i = (i + 1) & (SITES_MAX - 1))
		if (sites[i].va == va || sites[i].va == 0)
			return &sites[i];
	return 0;
}

/* What to patch: [at, at + len) becomes a jump (then nops to its end); the
 * stub runs the instructions in [at, code_end), moved, then makes the call
 * and returns to S+2. */
struct plan {
	uint64_t at;
	size_t len;
	uint64_t code_end;
	enum site_kind kind;
};

/* ---- the stub window --------------------------------------------------- */

static uint64_t window; /* 0: no window, nothing is rewritten */
static uint16_t slot_used[NSLOTS];

static bool stub_page_map(uint64_t va)
{
	uint64_t alias = LINUX_STUB_ALIAS + (va - window);
	long cap = exos_page_map(alias, EXO_PTE_W | EXO_PTE_NX);
	if (cap < 0)
		return false;
	memset((void *)alias, 0xcc, EXO_PAGE_SIZE); /* int3 between stubs */
	struct exo_map_op op = {.npages = 1, .va = va, .cap = (int32_t)cap, .perm = 0};
	return exo_map(EXO_CAP_SELF, &op, 1) == 1;
}

/* F stubs: the bank cells in use. */
static uint64_t f_used[F_BANKS][F_CELLS / 64];

/* A free F stub for a jump ending at next whose rel32 has 0x06 or 0x07 in
 * byte 1 (the byte the jump leaves at S+2), its page mapped; 0 if none. */
static uint64_t f_stub_alloc(uint64_t next)
{
	for (size_t bank = 0; bank < F_BANKS; bank++) {
		uint64_t base = window + AB_SIZE + bank * SLOT_SIZE;
		uint64_t first = base + ((next + 0x600 - base + F_STUB_SIZE - 1) & 0xffff &
		                         ~(uint64_t)(F_STUB_SIZE - 1));
		for (size_t k = 0; k < 0x200 / F_STUB_SIZE; k++) {
			uint64_t va = base + ((first - base + k * F_STUB_SIZE) & 0xffff);
			uint64_t d = (va - next) & 0xffff;
			size_t cell = (va - base) / F_STUB_SIZE;
			if (d < 0x600 || d >= 0x800 || (f_used[bank][cell / 64] >> (cell % 64) & 1))
				continue;
			if (!exos_pfn(va) && !stub_page_map(va & ~(uint64_t)(EXO_PAGE_SIZE - 1)))
				return 0;
			f_used[bank][cell / 64] |= 1ul << (cell % 64);
			return va;
		}
	}
	return 0;
}

/* A free stub in slot, its page mapped; 0 if none. */
static uint64_t stub_alloc(size_t slot)
{
	if (slot_used[slot] == SLOT_STUBS)
		return 0;
	uint64_t va = window + slot * SLOT_SIZE + slot_used[slot] * STUB_SIZE;
	if (va % EXO_PAGE_SIZE == 0 && !stub_page_map(va))
		return 0;
	slot_used[slot]++;
	return va;
}

#define ENTER_SIZE 20 /* the bytes emit_enter writes */

/* At code, which will run at `at`: `lea resume(%rip), %rcx; movabs
 * $linux_direct_entry, %r11; jmp *%r11`, the way into ExOS that returns to
 * resume as `syscall` would.  Returns ENTER_SIZE. */
static size_t emit_enter(uint8_t *code, uint64_t at, uint64_t resume)
{
	int32_t rel = (int32_t)(resume - (at + 7));
	uint64_t entry = (uint64_t)linux_direct_entry;
	code[0] = 0x48, code[1] = 0x8d, code[2] = 0x0d;
	memcpy(code + 3, &rel, 4);
	code[7] = 0x49, code[8] = 0xbb;
	memcpy(code + 9, &entry, 8);
	code[17] = 0x41, code[18] = 0xff, code[19] = 0xe3;
	return ENTER_SIZE;
}

/* The stub: the instructions of [p->at, p->code_end) moved, `lea S+2(%rip),
 * %rcx`, then `movabs $linux_direct_entry, %r11; jmp *%r11` (rcx and r11 are
 * `syscall`'s to clobber; entry.S saves rflags as the r11 `syscall` would
 * leave). */
static bool stub_write(uint64_t stub, const struct plan *p, uint64_t resume)
{
	uint8_t code[STUB_SIZE + 16];
	size_t k = 0;
	for (uint64_t va = p->at; va < p->code_end;) {
		struct insn in;
		if (!insn_decode((const uint8_t *)va, p->code_end - va, va, &in))
			return false;
		size_t n = insn_relocate((const uint8_t *)va, &in, stub + k, code + k);
		if (!n || k + n > STUB_SIZE - ENTER_SIZE)
			return false;
		k += n, va += in.len;
	}
	k += emit_enter(code + k, stub + k, resume);
	memcpy((void *)(LINUX_STUB_ALIAS + (stub - window)), code, k);
	return true;
}

/* ---- recognising the forms --------------------------------------------- */

/* A byte that, just before `b8+r imm32`, would change it: a REX prefix
 * (41 b8 is mov $imm, %r8d) or an operand-size prefix (66 b8 is mov $imm16,
 * %ax).  The forms that start with REX.W need no such check: a prefix before
 * REX.W would be ignored or overridden, and compilers emit none. */
static bool changes_mov_imm(uint64_t va)
{
	if (!in_text(va, 1))
		return false; /* the candidate starts a text run */
	uint8_t b = *(const uint8_t *)va;
	return (b >= 0x40 && b <= 0x4f) || b == 0x66 || b == 0x67;
}

static uint64_t reg_value(const struct linux_ctx *c, int r)
{
	static const uint8_t off[16] = {
	        offsetof(struct linux_ctx, rax), offsetof(struct linux_ctx, rcx),
	        offsetof(struct linux_ctx, rdx), offsetof(struct linux_ctx, rbx),
	        offsetof(struct linux_ctx, rsp), offsetof(struct linux_ctx, rbp),
	        offsetof(struct linux_ctx, rsi), offsetof(struct linux_ctx, rdi),
	        offsetof(struct linux_ctx, r8),  offsetof(struct linux_ctx, r9),
	        offsetof(struct linux_ctx, r10), offsetof(struct linux_ctx, r11),
	        offsetof(struct linux_ctx, r12), offsetof(struct linux_ctx, r13),
	        offsetof(struct linux_ctx, r14), offsetof(struct linux_ctx, r15)};
	uint64_t v;
	memcpy(&v, (const uint8_t *)c + off[r], 8);
	return v;
}

/* The instruction V at b (len bytes, the program's va) if the registers at
 * the trap confirm it (rsp_kept: nothing between V and `syscall` moved rsp):
 *   b8+r imm32, 41 b8+r imm32   mov $imm, %r32         r == imm
 *   48 c7 c0 imm32              mov $imm, %rax         rax == imm, sign-extended
 *   4x 8d modrm disp32          lea disp(%rip), %r64   r == its address
 *   4x 8b modrm 24 disp8        mov disp8(%rsp), %r64  r == the word there */
static bool confirmed(const uint8_t *b, size_t len, uint64_t va, const struct linux_ctx *c,
                      bool rsp_kept)
{
	uint32_t imm;
	int reg = ((b[2] >> 3) & 7) | (b[0] & 4 ? 8 : 0);
	bool rex_w = (b[0] & 0xfb) == 0x48;
	if (len == 5 && (b[0] & 0xf8) == 0xb8 && b[0] != 0xbc && !changes_mov_imm(va - 1)) {
		memcpy(&imm, b + 1, 4);
		return reg_value(c, b[0] & 7) == imm;
	}
	if (len == 6 && b[0] == 0x41 && (b[1] & 0xf8) == 0xb8 && !changes_mov_imm(va - 1)) {
		memcpy(&imm, b + 2, 4);
		return reg_value(c, 8 + (b[1] & 7)) == imm;
	}
	if (len == 7 && b[0] == 0x48 && b[1] == 0xc7 && b[2] == 0xc0) {
		memcpy(&imm, b + 3, 4);
		return c->rax == (uint64_t)(int64_t)(int32_t)imm;
	}
	if (reg == 1 || reg == 4 || reg == 11)
		return false; /* rcx and r11: `syscall` overwrote them */
	if (len == 7 && rex_w && b[1] == 0x8d && (b[2] & 0xc7) == 0x05) {
		memcpy(&imm, b + 3, 4);
		return reg_value(c, reg) == va + 7 + (uint64_t)(int64_t)(int32_t)imm;
	}
	if (len == 5 && rex_w && b[1] == 0x8b && (b[2] & 0xc7) == 0x44 && b[3] == 0x24 &&
	    rsp_kept) {
		uint64_t word;
		uint64_t at = c->rsp + (uint64_t)(int64_t)(int8_t)b[4];
		return linux_copy_from_user(&word, at, 8) == 0 && reg_value(c, reg) == word;
	}
	return false;
}

/* Whether the instructions of [va, s) decode, end exactly at s, can be
 * moved, and fall through (no branch, no stack operation). */
static bool movable_run(uint64_t va, uint64_t s, bool *rsp_kept)
{
	*rsp_kept = true;
	while (va < s) {
		struct insn in;
		const uint8_t *b = (const uint8_t *)va;
		if (!insn_decode(b, s - va, va, &in) ||
		    (in.reloc != INSN_PLAIN && in.reloc != INSN_RIP) || b[0] == 0xc3 ||
		    b[0] == 0xff || (b[0] & 0xf0) == 0x50 ||
		    ((b[0] & 0xf0) == 0x40 && (b[1] & 0xf0) == 0x50))
			return false;
		va += in.len;
	}
	return va == s;
}

/* A: a confirmed instruction V of 5 bytes or more, then instructions that can
 * be moved, then `syscall`.  V becomes the jump (the instructions after it
 * stay, so a jump to one of them or to `syscall` runs the original code and
 * traps); the stub runs V and the rest, then makes the call. */
static bool plan_keep_syscall(uint64_t s, const struct linux_ctx *c, struct plan *p)
{
	static const size_t lens[] = {5, 6, 7};
	for (size_t back = 5; back <= 20; back++) {
		uint64_t at = s - back;
		if (!in_text(at, back + 2))
			return false;
		for (size_t i = 0; i < ARRAY_LEN(lens); i++) {
			bool rsp_kept;
			if (lens[i] > back || !movable_run(at + lens[i], s, &rsp_kept) ||
			    !confirmed((const uint8_t *)at, lens[i], at, c, rsp_kept))
				continue;
			*p = (struct plan){at, lens[i], s, SITE_A};
			return true;
		}
	}
	return false;
}

/* mov %reg, %reg with REX.W, register to register: after it the two are
 * equal.  rcx and r11 hold what `syscall` left there, so a mov from or into
 * them cannot be checked and is not taken (nor one into rsp). */
static bool plan_mov_reg(uint64_t s, const struct linux_ctx *c, struct plan *p)
{
	const uint8_t *b = (const uint8_t *)s;
	if (!in_text(s - 3, 5) || (b[-3] & 0xfa) != 0x48 || (b[-2] != 0x89 && b[-2] != 0x8b) ||
	    b[-1] < 0xc0)
		return false;
	int reg = ((b[-1] >> 3) & 7) | (b[-3] & 4 ? 8 : 0);
	int rm = (b[-1] & 7) | (b[-3] & 1 ? 8 : 0);
	int dst = b[-2] == 0x89 ? rm : reg, src = b[-2] == 0x89 ? reg : rm;
	if (dst == 1 || dst == 4 || dst == 11 || src == 1 || src == 11 ||
	    reg_value(c, dst) != reg_value(c, src))
		return false;
	*p = (struct plan){s - 3, 5, s, SITE_B};
	return true;
}

static bool apply(uint64_t s, const struct plan *p)
{
	size_t slot = 0; /* A stubs can go anywhere: they share slot 0 */
	if (p->kind == SITE_B)
		slot = (((s + 2) >> 16) + B_SLOT_SKEW) % NSLOTS;
	uint64_t stub = stub_alloc(slot);
	int64_t rel = (int64_t)(stub - (p->at + 5));
	if (!stub || rel != (int32_t)rel || !stub_write(stub, p, s + 2))
		return false; /* a stub allocated for nothing stays unused */
	uint8_t jump[7] = {0xe9, 0, 0, 0, 0, 0xcc, 0xcc}; /* never run: int3 */
	int32_t rel32 = (int32_t)rel;
	memcpy(jump + 1, &rel32, 4);
	return text_write(p->at, jump, p->len);
}

/* F: `syscall` and the instruction after it, I (3 bytes or more, one
 * insn.c can move, not a call), become a jump to a stub that makes the call,
 * then runs I and jumps back after it.  S+2 is an instruction boundary for sure (where
 * `syscall` returns), so nothing is guessed; a jump to S still makes the call,
 * and a jump to I lands on 0x06 or 0x07 (f_stub_alloc) and resumes in the
 * stub's copy of I (linux_site_ud).  The stub leaves rcx at its copy of I
 * rather than at S+2: `syscall` clobbers rcx, its value is nobody's. */
static bool apply_forward(uint64_t s, struct site *st)
{
	struct insn in;
	size_t room = 0;
	while (room < 15 && in_text(s + 2 + room, 1))
		room++;
	const uint8_t *b = (const uint8_t *)s + 2;
	if (!insn_decode(b, room, s + 2, &in) || in.len < 3)
		return false;
	if (b[0] == 0xe8 || (b[0] == 0xff && ((b[1] >> 3) & 6) == 2))
		return false; /* a call from the stub: unwinders would not know the frame */
	uint64_t stub = f_stub_alloc(s + 5);
	if (!stub)
		return false;
	/* lea cont(%rip), %rcx; movabs $linux_direct_entry, %r11; jmp *%r11;
	 * cont: I, moved; jmp S+2+len */
	uint8_t code[F_STUB_SIZE];
	uint64_t cont = stub + ENTER_SIZE;
	size_t k = emit_enter(code, stub, cont);
	size_t n = insn_relocate((const uint8_t *)s + 2, &in, cont, code + k);
	if (!n)
		return false;
	k += n;
	code[k++] = 0xe9;
	int64_t back = (int64_t)(s + 2 + in.len - (stub + k + 4));
	int64_t there = (int64_t)(stub - (s + 5));
	if (back != (int32_t)back || there != (int32_t)there)
		return false;
	int32_t rel = (int32_t)back;
	memcpy(code + k, &rel, 4);
	k += 4;
	memcpy((void *)(LINUX_STUB_ALIAS + (stub - window)), code, k);
	uint8_t jump[5] = {0xe9};
	rel = (int32_t)there;
	memcpy(jump + 1, &rel, 4);
	if (!text_write(s, jump, sizeof(jump)))
		return false;
	st->cont = cont;
	return true;
}

void linux_site_trapped(uint64_t s, struct linux_ctx *c)
{
	struct site *st = site_slot(s);
	if (!st || st->kind == SITE_A)
		return; /* the table is full, or a jump to an A site's `syscall` */
	if (st->va == 0) {
		st->va = s, st->kind = SITE_TRAPS;
		linux_sites_seen++;
	}
	struct plan p;
	if (!window || !in_text(s, 2) || *(const uint16_t *)s != 0x050f)
		return;
	enum site_kind kind = 0;
	if (plan_keep_syscall(s, c, &p) && apply(s, &p))
		kind = SITE_A;
	else if (apply_forward(s, st)) {
		kind = SITE_F;
		c->rip = c->rcx = st->cont; /* S+2 is no longer what it was */
	} else if (plan_mov_reg(s, c, &p) && apply(s, &p))
		kind = SITE_B;
	if (kind) {
		st->kind = (uint8_t)kind;
		linux_sites_rewritten++;
	}
}

int linux_site_ud(uint64_t rip, uint64_t *resume)
{
	struct site *st = site_slot(rip);
	if (st && st->va == rip && st->kind == SITE_B)
		return LINUX_UD_SYSCALL;
	st = site_slot(rip - 2);
	if (st && st->va == rip - 2 && st->kind == SITE_F) {
		*resume = st->cont;
		return LINUX_UD_RESUME;
	}
	return 0;
}

/* execve: the old program's sites, stubs and text aliases go (the stub
 * window itself is a region: mm.c unmapped it). */
void linux_rewrite_reset(void)
{
	if (window)
		exos_unmap_range(LINUX_STUB_ALIAS, WINDOW_SIZE / EXO_PAGE_SIZE);
	for (int i = 0; i < ntext; i++)
		exos_unmap_range(LINUX_TEXT_ALIAS + (text[i].lo - image_lo),
		                 (text[i].hi - text[i].lo) / EXO_PAGE_SIZE);
	memset(sites, 0, sizeof(sites));
	memset(slot_used, 0, sizeof(slot_used));
	memset(f_used, 0, sizeof(f_used));
	ntext = 0;
	window = 0;
}

/* ---- set-up ------------------------------------------------------------ */

/* The window: 1 GiB below the image if there is room (a PIE), else 1 GiB
 * above it, 16 MiB-aligned, and kept from the program's mmap and brk. */
void linux_rewrite_init(const struct elf64_image *img)
{
	image_lo = img->lo;
	if (!linux_opts.rewrite)
		return;
	uint64_t gap = 1ul << 30;
	uint64_t w = (img->lo & ~(WINDOW_SIZE - 1)) - gap - WINDOW_SIZE;
	if (img->lo < gap + 2 * WINDOW_SIZE + MM_USER_MIN)
		w = ((img->hi + WINDOW_SIZE - 1) & ~(WINDOW_SIZE - 1)) + gap;
	window = w;
	linux_mm_note_region(w, WINDOW_SIZE, LINUX_PROT_READ | LINUX_PROT_EXEC, "syscall stubs");
}

/* For --trace-syscalls at exit: the sites left on the trap path. */
void linux_sites_trace(void)
{
	if (!window)
		return; /* --no-rewrite: every site traps */
	for (size_t i = 0; i < SITES_MAX; i++)
		if (sites[i].kind == SITE_TRAPS) {
			char line[64];
			int n = snprintf(line, sizeof(line), "[exos] site %#lx: trapped\n",
			                 sites[i].va);
			exo_console_write(EXO_STDERR, line, (size_t)n);
		}
}
