/* insn.c: the length and the address-dependent parts of one x86-64
 * instruction, for moving it elsewhere (rewrite.c moves the instruction after
 * a `syscall` into a stub).  Only the common general-purpose instructions
 * compilers put after a system call are known; anything else is refused. */
#ifndef EXOS_LINUX_INSN_H
#define EXOS_LINUX_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum insn_reloc {
	INSN_PLAIN, /* means the same anywhere */
	INSN_RIP,   /* a rip-relative memory operand: disp32 at disp_at */
	INSN_REL32, /* call/jmp/jcc rel32: the last 4 bytes */
	INSN_JCC8,  /* jcc rel8: becomes jcc rel32 (0f 80+cc) */
	INSN_JMP8,  /* jmp rel8: becomes jmp rel32 (e9) */
};

struct insn {
	size_t len;
	enum insn_reloc reloc;
	size_t disp_at;  /* INSN_RIP */
	uint64_t target; /* INSN_RIP: the operand's address; branches: the target */
};

/* Decodes the instruction at code, which the program has at va.  False if it
 * is not one insn.c knows (or longer than max bytes). */
bool insn_decode(const uint8_t *code, size_t max, uint64_t va, struct insn *in);

/* Writes the instruction, as it must read at va_new, to out (room for 15
 * bytes); returns its new length, or 0 if a target is out of rel32 reach. */
size_t insn_relocate(const uint8_t *code, const struct insn *in, uint64_t va_new, uint8_t *out);

#endif
