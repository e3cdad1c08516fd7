/* A PVH "kernel" that triple-faults at once: ud2 with no IDT.  exosim must
 * report it in one line plus a register dump, and exit 125. */
	.section .note.Xen, "a"
	.balign 4
	.long 4, 8, 18
	.asciz "Xen"
	.balign 4
	.quad entry

	.text
	.code32
	.globl entry
entry:
	lidt idtr
	ud2

	.data
idtr:
	.word 0
	.long 0
