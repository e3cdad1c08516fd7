/* A PVH "kernel" that sends exosim malformed paravirtual requests and checks
 * that each gets an error it can see (include/hw/exosim_pv.h), that unknown
 * ports and MMIO read as all ones, and that exosim carries on: it then writes
 * "pv_malformed: ok" through a good request and exits 0.  A failed check
 * exits with its number.  32-bit, paging off: addresses are physical. */
#define PV_EXIT_PORT       0xf4
#define PV_CONSOLE_PORT    0x700
#define PV_CONSOLE_IN_PORT 0x704
#define PV_CONSOLE_MAGIC   0x534f5845
#define PV_RESULT_NONE     0x80000000
#define PV_ERR_MALFORMED   -4096
#define REQ_RESULT         8  /* offsetof(struct pv_console_req, result) */
#define IN_RESULT          12 /* offsetof(struct pv_console_in, result) */
#define PV_DISCARD_PORT    0x710
#define PV_DISCARD_MAGIC   0x42524353
#define DISCARD_RESULT     4  /* offsetof(struct pv_discard_req, result) */
#define NOT_RAM            0xfffff000 /* the MMIO hole under 4 GiB */

	.section .note.Xen, "a"
	.balign 4
	.long 4, 8, 18
	.asciz "Xen"
	.balign 4
	.quad entry

/* Sends the request at \req to \port; exits with \check unless its result
 * (at \off) is then \expected. */
.macro EXPECT check, port, req, off, expected
	movl $PV_RESULT_NONE, \req + \off
	movl $\req, %eax
	movw $\port, %dx
	outl %eax, %dx
	movl $\check, %ebx
	cmpl $\expected, \req + \off
	jne fail
.endm

	.text
	.code32
	.globl entry
entry:
	movl $1, %ebx
	movw $PV_CONSOLE_PORT, %dx
	inl %dx, %eax
	cmpl $PV_CONSOLE_MAGIC, %eax
	jne fail

	EXPECT 2, PV_CONSOLE_PORT, req_not_ram, REQ_RESULT, PV_ERR_MALFORMED
	EXPECT 3, PV_CONSOLE_PORT, req_wraps, REQ_RESULT, PV_ERR_MALFORMED
	EXPECT 4, PV_CONSOLE_PORT, req_stream, REQ_RESULT, PV_ERR_MALFORMED
	EXPECT 5, PV_CONSOLE_PORT, req_nsegs, REQ_RESULT, PV_ERR_MALFORMED
	EXPECT 6, PV_CONSOLE_PORT, req_too_long, REQ_RESULT, PV_ERR_MALFORMED
	EXPECT 7, PV_CONSOLE_IN_PORT, in_not_ram, IN_RESULT, PV_ERR_MALFORMED
	EXPECT 8, PV_CONSOLE_IN_PORT, in_bad_size, IN_RESULT, PV_ERR_MALFORMED
	EXPECT 12, PV_CONSOLE_IN_PORT, in_bad_index, IN_RESULT, PV_ERR_MALFORMED

	/* Page discard: detected by its magic; a malformed request discards
	 * nothing (the scratch page keeps its bytes); a good one zeroes it. */
	movl $20, %ebx
	movw $PV_DISCARD_PORT, %dx
	inl %dx, %eax
	cmpl $PV_DISCARD_MAGIC, %eax
	jne fail
	movl $0x5a5a5a5a, scratch
	EXPECT 21, PV_DISCARD_PORT, dis_nranges, DISCARD_RESULT, PV_ERR_MALFORMED
	EXPECT 22, PV_DISCARD_PORT, dis_unaligned, DISCARD_RESULT, PV_ERR_MALFORMED
	EXPECT 23, PV_DISCARD_PORT, dis_not_ram, DISCARD_RESULT, PV_ERR_MALFORMED
	EXPECT 24, PV_DISCARD_PORT, dis_wraps, DISCARD_RESULT, PV_ERR_MALFORMED
	movl $25, %ebx
	cmpl $0x5a5a5a5a, scratch
	jne fail
	EXPECT 26, PV_DISCARD_PORT, dis_ok, DISCARD_RESULT, 0
	movl $27, %ebx
	cmpl $0, scratch
	jne fail

	/* A request that is not in RAM itself, and a byte-wide write: refused,
	 * with nowhere to answer.  exosim must go on. */
	movl $NOT_RAM, %eax
	movw $PV_CONSOLE_PORT, %dx
	outl %eax, %dx
	outb %al, %dx

	/* Nothing answers port 0x510 or MMIO at 0xfeb00000: all ones. */
	movl $9, %ebx
	movw $0x510, %dx
	inl %dx, %eax
	cmpl $0xffffffff, %eax
	jne fail
	movl $10, %ebx
	movl 0xfeb00000, %eax
	cmpl $0xffffffff, %eax
	jne fail

	EXPECT 11, PV_CONSOLE_PORT, req_ok, REQ_RESULT, msg_len
	movl $0, %ebx
fail:
	movl %ebx, %eax
	movw $PV_EXIT_PORT, %dx
	outl %eax, %dx
	hlt

	.data
	.balign 64
msg:
	.ascii "pv_malformed: ok\n"
	.set msg_len, . - msg

/* struct pv_console_req with one segment: stream, nsegs, result, reserved,
 * then seg[0] = {paddr, len, reserved}; 32 segments in all. */
.macro REQ name, stream, nsegs, paddr, len
	.balign 64
\name:
	.long \stream, \nsegs, 0, 0
	.quad \paddr
	.long \len, 0
	.fill 31 * 16, 1, 0
.endm

	REQ req_ok, 1, 1, msg, msg_len
	REQ req_not_ram, 1, 1, NOT_RAM, 16
	REQ req_wraps, 1, 1, 0xffffffffffffff00, 0x200
	REQ req_stream, 3, 1, msg, msg_len
	REQ req_nsegs, 1, 33, msg, msg_len
	REQ req_too_long, 1, 1, msg, 0x100001

/* struct pv_console_in: ring, size, result.  The ring's header says it holds
 * 4097 bytes, more than its 4096. */
	.balign 64
in_not_ram:   .quad NOT_RAM
	.long 4096, 0
in_bad_size:  .quad inring
	.long 4097, 0
in_bad_index: .quad inring
	.long 4096, 0
	.balign 4096
inring: .quad 4097, 0
	.fill 8192 - 16, 1, 0

/* struct pv_discard_req: nranges, result, then 32 ranges {paddr, len}; the
 * second range of each is the scratch page, so that a request refused for its
 * first range must not have discarded it. */
.macro DISCARD name, nranges, paddr, len
	.balign 64
\name:
	.long \nranges, 0
	.quad \paddr, \len
	.quad scratch, 4096
	.fill 30 * 16, 1, 0
.endm

	DISCARD dis_ok, 1, scratch, 4096
	DISCARD dis_nranges, 33, scratch, 4096
	DISCARD dis_unaligned, 2, scratch + 8, 4096
	DISCARD dis_not_ram, 2, NOT_RAM, 4096
	DISCARD dis_wraps, 2, 0xfffffffffffff000, 0x2000

	.balign 4096
scratch: .fill 4096, 1, 0
