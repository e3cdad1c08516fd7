/* x86-64 instruction lengths for the one-byte opcode map's general-purpose
 * instructions and a few two-byte ones (Intel SDM vol. 2, appendix A), enough
 * for the code compilers put after a `syscall`: see insn.h. */
#include "insn.h"

#include <string.h>

/* Opcode classes: what follows the opcode. */
enum { NONE = 1, MODRM, MODRM_IMM8, MODRM_IMMZ, IMM8, IMMZ, IMMV, REL8, RELZ, GRP3 };

static int one_byte_class(uint8_t op)
{
	if (op < 0x40 && op != 0x0f && (op & 7) < 4)
		return MODRM; /* add or adc sbb and sub xor cmp, r/m forms */
	if (op < 0x40 && (op & 7) == 4)
		return IMM8;
	if (op < 0x40 && (op & 7) == 5)
		return IMMZ;
	if (op >= 0x50 && op <= 0x5f)
		return NONE; /* push, pop */
	if (op == 0x63 || (op >= 0x84 && op <= 0x8b) || op == 0x8d || op == 0xd1 || op == 0xd3 ||
	    op == 0xfe || op == 0xff)
		return MODRM;
	if (op == 0x69 || op == 0x81 || op == 0xc7)
		return MODRM_IMMZ;
	if (op == 0x6b || op == 0x80 || op == 0x83 || op == 0xc0 || op == 0xc1 || op == 0xc6)
		return MODRM_IMM8;
	if (op >= 0x70 && op <= 0x7f)
		return REL8;
	if (op == 0x90 || op == 0x98 || op == 0x99 || op == 0xc3)
		return NONE; /* nop, cltq, cqto, ret */
	if (op >= 0xb0 && op <= 0xb7)
		return IMM8;
	if (op >= 0xb8 && op <= 0xbf)
		return IMMV;
	if (op == 0xe8 || op == 0xe9)
		return RELZ;
	if (op == 0xeb)
		return REL8;
	if (op == 0xf6 || op == 0xf7)
		return GRP3; /* test has an immediate, not/neg/mul/div none */
	return 0;
}

static int two_byte_class(uint8_t op)
{
	if (op >= 0x80 && op <= 0x8f)
		return RELZ; /* jcc rel32 */
	if ((op >= 0x40 && op <= 0x4f) || (op >= 0x90 && op <= 0x9f) || op == 0xaf || op == 0xb6 ||
	    op == 0xb7 || op == 0xbe || op == 0xbf || op == 0x1f)
		return MODRM; /* cmovcc setcc imul movzx movsx nopl */
	return 0;
}

/* The ModRM byte at code[i] and what it brings: SIB, displacement.  Returns
 * the index after them. */
static size_t modrm(const uint8_t *code, size_t i, struct insn *in)
{
	uint8_t m = code[i++];
	unsigned mod = m >> 6, rm = m & 7;
	if (mod == 3)
		return i;
	if (rm == 4) {
		uint8_t sib = code[i++];
		if (mod == 0 && (sib & 7) == 5)
			return i + 4;
	}
	if (mod == 0 && rm == 5) {
		in->reloc = INSN_RIP;
		in->disp_at = i;
		return i + 4;
	}
	return i + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

bool insn_decode(const uint8_t *code, size_t max, uint64_t va, struct insn *in)
{
	uint8_t buf[16] = {0};
	memcpy(buf, code, max < 15 ? max : 15);
	size_t i = 0;
	bool opsize = false, rexw = false, prefixed = false;
	if (buf[i] == 0x66)
		opsize = prefixed = true, i++;
	if ((buf[i] & 0xf0) == 0x40)
		rexw = buf[i] & 8, prefixed = true, i++;
	uint8_t op = buf[i++];
	int cls = op == 0x0f ? two_byte_class(buf[i++]) : one_byte_class(op);
	if (!cls)
		return false;
	*in = (struct insn){.reloc = INSN_PLAIN};
	size_t immz = opsize ? 2 : 4;
	switch (cls) {
	case MODRM:
		i = modrm(buf, i, in);
		break;
	case MODRM_IMM8:
		i = modrm(buf, i, in) + 1;
		break;
	case MODRM_IMMZ:
		i = modrm(buf, i, in) + immz;
		break;
	case GRP3: {
		bool test = ((buf[i] >> 3) & 7) < 2;
		i = modrm(buf, i, in) + (test ? (op == 0xf6 ? 1 : immz) : 0);
		break;
	}
	case IMM8:
		i += 1;
		break;
	case IMMZ:
		i += immz;
		break;
	case IMMV:
		i += rexw ? 8 : immz;
		break;
	case REL8:
		if (prefixed)
			return false;
		in->reloc = op == 0xeb ? INSN_JMP8 : INSN_JCC8;
		in->target = va + i + 1 + (uint64_t)(int64_t)(int8_t)buf[i];
		i += 1;
		break;
	case RELZ: {
		if (prefixed)
			return false;
		int32_t rel;
		memcpy(&rel, buf + i, 4);
		in->reloc = INSN_REL32;
		in->target = va + i + 4 + (uint64_t)(int64_t)rel;
		i += 4;
		break;
	}
	}
	if (i > max || i > 15)
		return false;
	in->len = i;
	if (in->reloc == INSN_RIP) {
		int32_t disp;
		memcpy(&disp, buf + in->disp_at, 4);
		in->target = va + i + (uint64_t)(int64_t)disp;
	}
	return true;
}

static bool put_rel32(uint8_t *at, uint64_t target, uint64_t next)
{
	int64_t rel = (int64_t)(target - next);
	if (rel != (int32_t)rel)
		return false;
	int32_t r = (int32_t)rel;
	memcpy(at, &r, 4);
	return true;
}

size_t insn_relocate(const uint8_t *code, const struct insn *in, uint64_t va_new, uint8_t *out)
{
	switch (in->reloc) {
	case INSN_PLAIN:
		memcpy(out, code, in->len);
		return in->len;
	case INSN_RIP:
		memcpy(out, code, in->len);
		return put_rel32(out + in->disp_at, in->target, va_new + in->len) ? in->len : 0;
	case INSN_REL32:
		memcpy(out, code, in->len);
		return put_rel32(out + in->len - 4, in->target, va_new + in->len) ? in->len : 0;
	case INSN_JCC8:
		out[0] = 0x0f, out[1] = (uint8_t)(0x80 | (code[0] & 0xf));
		return put_rel32(out + 2, in->target, va_new + 6) ? 6 : 0;
	case INSN_JMP8:
		out[0] = 0xe9;
		return put_rel32(out + 1, in->target, va_new + 5) ? 5 : 0;
	}
	return 0;
}
