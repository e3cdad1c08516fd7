/* The interpreter's loop, private to bpf_run.c, which includes it once per variant:
 * BPF_RUN_NAME names the function, BPF_RUN_ARGS adds parameters after len, and
 * BPF_COUNT() runs before each instruction. No include guard on purpose. */

/* Two's-complement conversions without implementation-defined casts in the handlers. */
#define S64(x) ((int64_t)(x))
#define S32(x) ((int32_t)(uint32_t)(x))
#define U32(x) ((uint32_t)(x))

uint64_t BPF_RUN_NAME(const struct bpf_insn *prog, const void *pkt, size_t len BPF_RUN_ARGS)
{
	/* Every opcode the verifier can leave: anything else is a bug (returns 0). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
	static const void *const table[256] = {
	        [0 ... 255] = &&bad,
#define ALU_ENTRIES(cls, lbl)                                                                      \
	[cls | BPF_ADD |                                                                           \
	        BPF_K] = &&lbl##_add_k,                                                            \
	        [cls | BPF_ADD | BPF_X] = &&lbl##_add_x, [cls | BPF_SUB | BPF_K] = &&lbl##_sub_k,  \
	        [cls | BPF_SUB | BPF_X] = &&lbl##_sub_x, [cls | BPF_MUL | BPF_K] = &&lbl##_mul_k,  \
	        [cls | BPF_MUL | BPF_X] = &&lbl##_mul_x, [cls | BPF_DIV | BPF_K] = &&lbl##_div_k,  \
	        [cls | BPF_DIV | BPF_X] = &&lbl##_div_x, [cls | BPF_OR | BPF_K] = &&lbl##_or_k,    \
	        [cls | BPF_OR | BPF_X] = &&lbl##_or_x, [cls | BPF_AND | BPF_K] = &&lbl##_and_k,    \
	        [cls | BPF_AND | BPF_X] = &&lbl##_and_x, [cls | BPF_LSH | BPF_K] = &&lbl##_lsh_k,  \
	        [cls | BPF_LSH | BPF_X] = &&lbl##_lsh_x, [cls | BPF_RSH | BPF_K] = &&lbl##_rsh_k,  \
	        [cls | BPF_RSH | BPF_X] = &&lbl##_rsh_x, [cls | BPF_NEG | BPF_K] = &&lbl##_neg,    \
	        [cls | BPF_MOD | BPF_K] = &&lbl##_mod_k, [cls | BPF_MOD | BPF_X] = &&lbl##_mod_x,  \
	        [cls | BPF_XOR | BPF_K] = &&lbl##_xor_k, [cls | BPF_XOR | BPF_X] = &&lbl##_xor_x,  \
	        [cls | BPF_MOV | BPF_K] = &&lbl##_mov_k, [cls | BPF_MOV | BPF_X] = &&lbl##_mov_x,  \
	        [cls | BPF_ARSH | BPF_K] = &&lbl##_arsh_k,                                         \
	        [cls | BPF_ARSH | BPF_X] = &&lbl##_arsh_x
	        ALU_ENTRIES(BPF_ALU64, a64),
	        ALU_ENTRIES(BPF_ALU, a32),
	        [BPF_ALU | BPF_END | BPF_TO_LE] = &&a32_le,
	        [BPF_ALU | BPF_END | BPF_TO_BE] = &&a32_be,
	        [BPF_ALU64 | BPF_END] = &&a64_bswap,
	        [BPF_ALU64 | BPF_XMOVSX] = &&a64_movsx,
	        [BPF_ALU | BPF_XMOVSX] = &&a32_movsx,
#define JMP_ENTRIES(cls, lbl)                                                                      \
	[cls | BPF_JEQ |                                                                           \
	        BPF_K] = &&lbl##_jeq_k,                                                            \
	        [cls | BPF_JEQ | BPF_X] = &&lbl##_jeq_x, [cls | BPF_JGT | BPF_K] = &&lbl##_jgt_k,  \
	        [cls | BPF_JGT | BPF_X] = &&lbl##_jgt_x, [cls | BPF_JGE | BPF_K] = &&lbl##_jge_k,  \
	        [cls | BPF_JGE | BPF_X] = &&lbl##_jge_x,                                           \
	        [cls | BPF_JSET | BPF_K] = &&lbl##_jset_k,                                         \
	        [cls | BPF_JSET | BPF_X] = &&lbl##_jset_x,                                         \
	        [cls | BPF_JNE | BPF_K] = &&lbl##_jne_k, [cls | BPF_JNE | BPF_X] = &&lbl##_jne_x,  \
	        [cls | BPF_JSGT | BPF_K] = &&lbl##_jsgt_k,                                         \
	        [cls | BPF_JSGT | BPF_X] = &&lbl##_jsgt_x,                                         \
	        [cls | BPF_JSGE | BPF_K] = &&lbl##_jsge_k,                                         \
	        [cls | BPF_JSGE | BPF_X] = &&lbl##_jsge_x,                                         \
	        [cls | BPF_JLT | BPF_K] = &&lbl##_jlt_k, [cls | BPF_JLT | BPF_X] = &&lbl##_jlt_x,  \
	        [cls | BPF_JLE | BPF_K] = &&lbl##_jle_k, [cls | BPF_JLE | BPF_X] = &&lbl##_jle_x,  \
	        [cls | BPF_JSLT | BPF_K] = &&lbl##_jslt_k,                                         \
	        [cls | BPF_JSLT | BPF_X] = &&lbl##_jslt_x,                                         \
	        [cls | BPF_JSLE | BPF_K] = &&lbl##_jsle_k,                                         \
	        [cls | BPF_JSLE | BPF_X] = &&lbl##_jsle_x
	        JMP_ENTRIES(BPF_JMP, j64),
	        JMP_ENTRIES(BPF_JMP32, j32),
	        [BPF_JMP | BPF_JA] = &&ja,
	        [BPF_JMP32 | BPF_JA] = &&gotol,
	        [BPF_JMP | BPF_EXIT] = &&exit,
	        [BPF_LD | BPF_IMM | BPF_DW] = &&lddw,
#define MEM_ENTRIES(sz, lbl)                                                                       \
	[BPF_LDX | BPF_MEM | sz] = &&ldx_##lbl, [BPF_LDX | BPF_XPKT | sz] = &&pkt_##lbl,           \
	                     [BPF_ST | BPF_MEM | sz] = &&st_##lbl,                                 \
	                     [BPF_STX | BPF_MEM | sz] = &&stx_##lbl
	        MEM_ENTRIES(BPF_B, b),
	        MEM_ENTRIES(BPF_H, h),
	        MEM_ENTRIES(BPF_W, w),
	        MEM_ENTRIES(BPF_DW, dw),
	        [BPF_LDX | BPF_MEMSX | BPF_B] = &&ldxs_b,
	        [BPF_LDX | BPF_MEMSX | BPF_H] = &&ldxs_h,
	        [BPF_LDX | BPF_MEMSX | BPF_W] = &&ldxs_w,
	        [BPF_LDX | BPF_XPKTSX | BPF_B] = &&pkts_b,
	        [BPF_LDX | BPF_XPKTSX | BPF_H] = &&pkts_h,
	        [BPF_LDX | BPF_XPKTSX | BPF_W] = &&pkts_w,
	};
#pragma GCC diagnostic pop
#undef ALU_ENTRIES
#undef JMP_ENTRIES
#undef MEM_ENTRIES
	uint64_t r[11];
	uint64_t stack[BPF_STACK_SIZE / 8];
	const uint8_t *p = pkt;
	const struct bpf_insn *pc = prog;

	r[1] = 0; /* packet pointers are offsets into the packet */
	r[2] = len;
	r[10] = (uint64_t)(uintptr_t)(stack + BPF_STACK_SIZE / 8);

#define DST  r[pc->regs]                  /* bpf_verify left dst alone in regs */
#define SRC  r[pc->imm]                   /* and moved src to imm */
#define IMM  ((uint64_t)(int64_t)pc->imm) /* sign-extended to 64 bits */
#define GO() goto *table[pc->code]
#define NEXT()                                                                                     \
	do {                                                                                       \
		pc++;                                                                              \
		BPF_COUNT();                                                                       \
		GO();                                                                              \
	} while (0)
#define ADDR     ((void *)(uintptr_t)(DST + (uint64_t)(int64_t)pc->off))
#define SRC_ADDR ((const void *)(uintptr_t)(SRC + (uint64_t)(int64_t)pc->off))

	BPF_COUNT();
	GO();

	/* Arithmetic: ALU64 on 64 bits, ALU on the low 32 with the result zero-extended.
	 * Shift counts are masked; division by zero gives 0 and modulo by zero leaves
	 * the dividend (RFC 9669 section 4.1). */
#define ALU(name, expr64, expr32)                                                                  \
	a64_##name##_k:                                                                            \
	{                                                                                          \
		const uint64_t x = IMM;                                                            \
		DST = (expr64);                                                                    \
		NEXT();                                                                            \
	}                                                                                          \
	a64_##name##_x:                                                                            \
	{                                                                                          \
		const uint64_t x = SRC;                                                            \
		DST = (expr64);                                                                    \
		NEXT();                                                                            \
	}                                                                                          \
	a32_##name##_k:                                                                            \
	{                                                                                          \
		const uint32_t x = U32(pc->imm), d = U32(DST);                                     \
		DST = U32(expr32);                                                                 \
		NEXT();                                                                            \
	}                                                                                          \
	a32_##name##_x:                                                                            \
	{                                                                                          \
		const uint32_t x = U32(SRC), d = U32(DST);                                         \
		DST = U32(expr32);                                                                 \
		NEXT();                                                                            \
	}
	ALU(add, DST + x, d + x)
	ALU(sub, DST - x, d - x)
	ALU(mul, DST * x, d * x)
	ALU(or, DST | x, d | x)
	ALU(and, DST & x, d & x)
	ALU(xor, DST ^ x, d ^ x)
	ALU(lsh, DST << (x & 63), d << (x & 31))
	ALU(rsh, DST >> (x & 63), d >> (x & 31))
	ALU(arsh, (uint64_t)(S64(DST) >> (x & 63)), (uint32_t)(S32(d) >> (x & 31)))
	ALU(mov, x, ((void)d, x))
#undef ALU
#define DIVMOD(name, fn64, fn32)                                                                   \
	a64_##name##_k : DST = fn64(DST, IMM, pc->off);                                            \
	NEXT();                                                                                    \
	a64_##name##_x : DST = fn64(DST, SRC, pc->off);                                            \
	NEXT();                                                                                    \
	a32_##name##_k : DST = fn32(U32(DST), U32(pc->imm), pc->off);                              \
	NEXT();                                                                                    \
	a32_##name##_x : DST = fn32(U32(DST), U32(SRC), pc->off);                                  \
	NEXT();
	DIVMOD(div, bpf_div64, bpf_div32)
	DIVMOD(mod, bpf_mod64, bpf_mod32)
#undef DIVMOD
a64_movsx:
	DST = bpf_movsx(SRC, pc->off);
	NEXT();
a32_movsx:
	DST = U32(bpf_movsx(SRC, pc->off));
	NEXT();
a64_neg:
	DST = 0 - DST;
	NEXT();
a32_neg:
	DST = U32(0 - U32(DST));
	NEXT();
a32_le:
	DST = pc->imm == 16 ? (uint16_t)DST : pc->imm == 32 ? U32(DST) : DST;
	NEXT();
a32_be:
a64_bswap:
	DST = pc->imm == 16   ? __builtin_bswap16((uint16_t)DST)
	      : pc->imm == 32 ? __builtin_bswap32(U32(DST))
	                      : __builtin_bswap64(DST);
	NEXT();

	/* Jumps: the target is pc + 1 + off; NEXT() adds the 1. */
#define JMP(name, cond64, cond32)                                                                  \
	j64_##name##_k:                                                                            \
	{                                                                                          \
		const uint64_t d = DST, x = IMM;                                                   \
		if (cond64)                                                                        \
			pc += pc->off;                                                             \
		NEXT();                                                                            \
	}                                                                                          \
	j64_##name##_x:                                                                            \
	{                                                                                          \
		const uint64_t d = DST, x = SRC;                                                   \
		if (cond64)                                                                        \
			pc += pc->off;                                                             \
		NEXT();                                                                            \
	}                                                                                          \
	j32_##name##_k:                                                                            \
	{                                                                                          \
		const uint32_t d = U32(DST), x = U32(pc->imm);                                     \
		if (cond32)                                                                        \
			pc += pc->off;                                                             \
		NEXT();                                                                            \
	}                                                                                          \
	j32_##name##_x:                                                                            \
	{                                                                                          \
		const uint32_t d = U32(DST), x = U32(SRC);                                         \
		if (cond32)                                                                        \
			pc += pc->off;                                                             \
		NEXT();                                                                            \
	}
	JMP(jeq, d == x, d == x)
	JMP(jne, d != x, d != x)
	JMP(jgt, d > x, d > x)
	JMP(jge, d >= x, d >= x)
	JMP(jlt, d < x, d < x)
	JMP(jle, d <= x, d <= x)
	JMP(jset, (d & x) != 0, (d & x) != 0)
	JMP(jsgt, S64(d) > S64(x), S32(d) > S32(x))
	JMP(jsge, S64(d) >= S64(x), S32(d) >= S32(x))
	JMP(jslt, S64(d) < S64(x), S32(d) < S32(x))
	JMP(jsle, S64(d) <= S64(x), S32(d) <= S32(x))
#undef JMP
ja:
	pc += pc->off;
	NEXT();
gotol:
	pc += pc->imm;
	NEXT();
exit:
	return r[0];
lddw:
	DST = U32(pc[0].imm) | (uint64_t)U32(pc[1].imm) << 32;
	pc++;
	NEXT();

	/* Stack loads and stores: the verifier proved them in bounds. */
#define MEM(lbl, type)                                                                             \
	ldx_##lbl:                                                                                 \
	{                                                                                          \
		type v;                                                                            \
		__builtin_memcpy(&v, SRC_ADDR, sizeof(v));                                         \
		DST = v;                                                                           \
		NEXT();                                                                            \
	}                                                                                          \
	st_##lbl:                                                                                  \
	{                                                                                          \
		type v = (type)pc->imm;                                                            \
		__builtin_memcpy(ADDR, &v, sizeof(v));                                             \
		NEXT();                                                                            \
	}                                                                                          \
	stx_##lbl:                                                                                 \
	{                                                                                          \
		type v = (type)SRC;                                                                \
		__builtin_memcpy(ADDR, &v, sizeof(v));                                             \
		NEXT();                                                                            \
	}
	MEM(b, uint8_t)
	MEM(h, uint16_t)
	MEM(w, uint32_t)
	MEM(dw, uint64_t)
#undef MEM
#define LDXS(lbl, type)                                                                            \
	ldxs_##lbl:                                                                                \
	{                                                                                          \
		type v;                                                                            \
		__builtin_memcpy(&v, SRC_ADDR, sizeof(v));                                         \
		DST = (uint64_t)(int64_t)v;                                                        \
		NEXT();                                                                            \
	}
	LDXS(b, int8_t)
	LDXS(h, int16_t)
	LDXS(w, int32_t)
#undef LDXS

	/* Packet loads: o is the offset of the first byte; a load that does not fit in
	 * [0, len) ends the filter with "no match". o may be huge (a negative offset). */
#define PKT(lbl, type, ext)                                                                        \
	lbl : {                                                                                    \
		const uint64_t o = SRC + (uint64_t)(int64_t)pc->off;                               \
		type v;                                                                            \
		if (o >= len || len - o < sizeof(v))                                               \
			return 0;                                                                  \
		__builtin_memcpy(&v, p + o, sizeof(v));                                            \
		DST = ext(v);                                                                      \
		NEXT();                                                                            \
	}
#define ZX(v) ((uint64_t)(v))
#define SX(v) ((uint64_t)(int64_t)(v))
	PKT(pkt_b, uint8_t, ZX)
	PKT(pkt_h, uint16_t, ZX)
	PKT(pkt_w, uint32_t, ZX)
	PKT(pkt_dw, uint64_t, ZX)
	PKT(pkts_b, int8_t, SX)
	PKT(pkts_h, int16_t, SX)
	PKT(pkts_w, int32_t, SX)
#undef PKT
#undef ZX
#undef SX
bad:
	return 0;
#undef DST
#undef SRC
#undef IMM
#undef GO
#undef NEXT
#undef ADDR
#undef SRC_ADDR
}

#undef S64
#undef S32
#undef U32
