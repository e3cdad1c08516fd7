/* The example filters' objects (apps/filters, built by clang -target bpf) inside ping's
 * read-only data, so that ping installs what the compiler wrote, on every VM and without
 * a file system. The objects' directory is on the assembler's include path (-Wa,-I). */
	.macro filter name
	.global filter_\name, filter_\name\()_end
filter_\name:
	.incbin "\name\().o"
filter_\name\()_end:
	.endm

	.section .rodata
	.balign 8
	filter arp
	filter icmp_echo
	filter udp_port

	.section .note.GNU-stack, "", @progbits
