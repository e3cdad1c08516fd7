/* eBPF packet filters (RFC 9669 instruction set): the verifier and the interpreter.
 *
 * Freestanding and shared: the kernel verifies and runs the filters a libOS downloads,
 * and the host unit tests and bench/ run the same code. docs/ebpf.md is the guide.
 *
 * Program model. A filter is called with
 *   r1 = the packet, read-only (loads through it are bounds-checked at run time: a load
 *        that would cross the end of the packet ends the filter with 0, "no match");
 *   r2 = the packet's length in bytes;
 *   r10 = the frame pointer: the top of a BPF_STACK_SIZE-byte scratch stack.
 * It returns r0: 0 means no match, anything else a match (the caller gives other values
 * their meaning, e.g. a ring or a priority). r0, r3-r9 start undefined and the verifier
 * proves that nothing reads them, or a stack byte, before writing it.
 *
 * The verifier accepts the base, 64-bit and multiply/divide conformance groups of RFC
 * 9669, including its sign-extending loads and moves, signed division and byte swaps:
 * no calls, atomics or legacy packet loads. Jumps go forward only, so a program runs at
 * most as many instructions as it has: its length bounds its run time. */
#ifndef KLIB_BPF_H
#define KLIB_BPF_H

#include <stddef.h>
#include <stdint.h>

#include <exo/net.h>

/* One instruction, as RFC 9669 lays it out on a little-endian host: regs holds dst in
 * its low nibble and src in its high nibble. LDDW takes two (the second holds the high
 * 32 bits of its immediate in imm, and zeros elsewhere). */
struct bpf_insn {
	uint8_t code;
	uint8_t regs;
	int16_t off;
	int32_t imm;
};
_Static_assert(sizeof(struct bpf_insn) == 8, "RFC 9669 instruction layout");

static inline unsigned bpf_dst(const struct bpf_insn *i)
{
	return i->regs & 0xfu;
}

static inline unsigned bpf_src(const struct bpf_insn *i)
{
	return i->regs >> 4;
}

/* Limits. A filter runs in ring 0, where every instruction is expensive here: these
 * bound the work per packet and the verifier's memory (struct bpf_verifier). The
 * length limit is the ABI's (include/exo/net.h): the kernel, the verifier and its
 * messages all take it from there. */
#define BPF_MAX_INSNS   EXO_NET_MAX_INSNS /* instructions, counting LDDW as two */
#define BPF_STACK_SIZE  128               /* bytes of scratch stack below r10 */
#define BPF_MAX_PENDING 32                /* distinct forward-jump targets awaited at once */

/* Opcode fields (RFC 9669 section 3). */
#define BPF_CLASS(code) ((code)&0x07)
#define BPF_LD          0x00
#define BPF_LDX         0x01
#define BPF_ST          0x02
#define BPF_STX         0x03
#define BPF_ALU         0x04
#define BPF_JMP         0x05
#define BPF_JMP32       0x06
#define BPF_ALU64       0x07

#define BPF_SRC(code) ((code)&0x08)
#define BPF_K         0x00 /* the operand is imm */
#define BPF_X         0x08 /* the operand is the src register */
#define BPF_OP(code)  ((code)&0xf0)

/* Arithmetic (ALU, ALU64). */
#define BPF_ADD   0x00
#define BPF_SUB   0x10
#define BPF_MUL   0x20
#define BPF_DIV   0x30 /* off 1: SDIV */
#define BPF_OR    0x40
#define BPF_AND   0x50
#define BPF_LSH   0x60
#define BPF_RSH   0x70
#define BPF_NEG   0x80
#define BPF_MOD   0x90 /* off 1: SMOD */
#define BPF_XOR   0xa0
#define BPF_MOV   0xb0 /* off 8, 16, 32: MOVSX */
#define BPF_ARSH  0xc0
#define BPF_END   0xd0
#define BPF_TO_LE 0x00 /* BPF_END's source bit (in class ALU; ALU64 | END is BSWAP) */
#define BPF_TO_BE 0x08

/* Jumps (JMP, JMP32). */
#define BPF_JA   0x00
#define BPF_JEQ  0x10
#define BPF_JGT  0x20
#define BPF_JGE  0x30
#define BPF_JSET 0x40
#define BPF_JNE  0x50
#define BPF_JSGT 0x60
#define BPF_JSGE 0x70
#define BPF_CALL 0x80
#define BPF_EXIT 0x90
#define BPF_JLT  0xa0
#define BPF_JLE  0xb0
#define BPF_JSLT 0xc0
#define BPF_JSLE 0xd0

/* Loads and stores. */
#define BPF_SIZE(code) ((code)&0x18)
#define BPF_W          0x00
#define BPF_H          0x08
#define BPF_B          0x10
#define BPF_DW         0x18
#define BPF_MODE(code) ((code)&0xe0)
#define BPF_IMM        0x00 /* LDDW: class LD, size DW */
#define BPF_ABS        0x20 /* legacy packet loads: refused */
#define BPF_IND        0x40
#define BPF_MEM        0x60
#define BPF_MEMSX      0x80
#define BPF_ATOMIC     0xc0 /* refused */

/* The runnable form. bpf_verify writes a program that is no longer plain RFC 9669: in
 * every instruction that has a source register (LDX, STX, and ALU and jumps with
 * BPF_X) src moves to imm, which those leave unused, and regs holds dst alone.
 *
 * Modes that only verified programs contain: bpf_verify rewrites each LDX whose base is
 * the packet to one of these, the bounds-checked loads; an LDX MEM or MEMSX left in a
 * verified program reads the stack, which the verifier proved in bounds. */
#define BPF_XPKT   0xe0 /* packet load, zero-extending */
#define BPF_XPKTSX 0xa0 /* packet load, sign-extending */
/* and each MOVSX (ALU or ALU64 | MOV | X, off 8, 16 or 32) to this code, a NEG with a
 * source register, which RFC 9669 leaves unused: the plain MOV needs no offset test. */
#define BPF_XMOVSX (BPF_NEG | BPF_X)

/* Verifier errors, each a distinct refusal (bpf_strerror says which). */
enum {
	BPF_OK = 0,
	BPF_EEMPTY = -1,        /* no instruction */
	BPF_ETOOLONG = -2,      /* more than BPF_MAX_INSNS */
	BPF_EOPCODE = -3,       /* unknown opcode */
	BPF_ECALL = -4,         /* CALL (helpers, tail calls, subprograms) */
	BPF_EATOMIC = -5,       /* atomic operations */
	BPF_ELEGACY = -6,       /* legacy packet loads (LD ABS/IND) */
	BPF_EFIELD = -7,        /* a field this opcode does not use is nonzero, or bad value */
	BPF_EREG = -8,          /* register above r10, or r10 written */
	BPF_EJUMPBACK = -9,     /* a jump backward or to itself */
	BPF_EJUMPRANGE = -10,   /* a jump past the end or into the middle of an LDDW */
	BPF_ELDDW = -11,        /* LDDW cut by the end of the program, or a bad second half */
	BPF_EMAP = -12,         /* LDDW of a map, variable or function (src != 0) */
	BPF_EFALLTHROUGH = -13, /* the last instruction can run off the end */
	BPF_EUNREACHABLE = -14, /* an instruction no path reaches */
	BPF_ECOMPLEX = -15,     /* more than BPF_MAX_PENDING forward-jump targets pending */
	BPF_EUNINIT = -16,      /* a register read before it is written on some path */
	BPF_EPTRARITH = -17,    /* pointer arithmetic other than pointer +- number, or a stack
	                           pointer that leaves the stack */
	BPF_EPTRLEAK = -18,     /* a pointer where a number is needed (compare, store, r0) */
	BPF_EBASE = -19,        /* a load or store through a register that is no pointer */
	BPF_EPKTSTORE = -20,    /* a store into the packet */
	BPF_ESTACK = -21,       /* a stack access outside [r10 - BPF_STACK_SIZE, r10) */
	BPF_ESTACKUNINIT = -22, /* a stack read of bytes not written on every path */
};
#define BPF_NERRORS 23

/* The verifier's workspace, the caller's memory (about 3 KiB: too big for a kernel
 * stack frame). Its fields are private; after a refusal, err and insn say why. */
struct bpf_verifier {
	int err;       /* BPF_OK or the refusal */
	uint32_t insn; /* the index of the refused instruction (0 for EEMPTY / ETOOLONG) */
	/* private */
	uint32_t npending;
	struct bpf_state {
		uint32_t target;  /* the instruction this state is waiting for */
		uint32_t reg[10]; /* r0-r9 (r10 is always the stack top): what it holds in
		                     the low byte, a stack pointer's offset in the high half */
		uint64_t
		        init[BPF_STACK_SIZE / 64]; /* stack bytes written, bit i = r10 - SIZE + i */
	} pending[BPF_MAX_PENDING];
	uint64_t pktload[BPF_MAX_INSNS / 64]; /* the LDX whose base is the packet */
	uint64_t half[BPF_MAX_INSNS / 64];    /* the second halves of LDDW */
};

/* Verifies in[0..n) and, if it is safe, writes the runnable form to out[0..n) (out may be
 * in; it is not written on a refusal). Returns BPF_OK or a negative BPF_E* code, also in
 * v->err, with the refused instruction's index in v->insn. */
int bpf_verify(const struct bpf_insn *in, size_t n, struct bpf_insn *out, struct bpf_verifier *v);

/* Runs a program bpf_verify wrote on the packet pkt[0..len) and returns its r0, or 0 if
 * it tried to read past the packet's end. Never reads outside the packet, writes only
 * its own stack, and ends within as many instructions as the program has. */
uint64_t bpf_run(const struct bpf_insn *prog, const void *pkt, size_t len);

/* The same, counting the instructions executed into *count (for bench/ and tests). */
uint64_t bpf_run_counted(const struct bpf_insn *prog, const void *pkt, size_t len, uint64_t *count);

/* One line per code: what is wrong with the program (without the index). */
const char *bpf_strerror(int err);

/* "instruction N: <bpf_strerror>" into buf[0..size) (always terminated); returns buf. */
char *bpf_describe(const struct bpf_verifier *v, char *buf, size_t size);

#endif
