/* PVH entry: 32-bit protected mode, paging off, %ebx = struct hvm_start_info.
 *
 * 32-bit code is emulated instruction by instruction on KVM-on-PVM (loops here cost
 * milliseconds), so the stub does only what long mode needs: load prebuilt page tables,
 * turn on PAE/LME/paging, and jump.  Everything the tables need is computed at link
 * time, nothing at run time. */
#include <exo/memlayout.h>
#include <exo/page.h>
#include "directmap.h"
#include "x86.h"

#define PHYS(x) ((x) - EXO_KERNBASE)

/* The PVH note: XEN_ELFNOTE_PHYS32_ENTRY (18), an 8-byte physical entry address. */
	.section .note.Xen, "a"
	.balign 4
	.long 4, 8, 18
	.asciz "Xen"
	.balign 4
	.quad PHYS(pvh_start32)

	.section .text.boot, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	movl $(EFER_LME | EFER_SCE | EFER_NXE), %eax
	xorl %edx, %edx
	wrmsr
	movl $(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP | CR0_PE), %eax
	movl %eax, %cr0
	lgdt PHYS(boot_gdtr32)
	ljmp $SEL_KCODE, $PHYS(start64_identity)

	.code64
start64_identity:
	/* Still on the identity mapping: jump to the linked (direct-map) address. */
	movabsq $start64, %rax
	jmp *%rax

	.text
start64:
	lgdt boot_gdtr64(%rip)
	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	leaq boot_stack_top(%rip), %rsp
	/* Unmap the guard page below each kernel stack: an overflow then faults at
	 * once (a double fault, on its own stack) instead of writing over .data.
	 * Neither page was ever touched through these tables, so no TLB entry
	 * needs flushing. */
	leaq boot_pt0(%rip), %rcx
	leaq boot_stack_guard(%rip), %rax
	shrq $12, %rax
	andl $511, %eax
	movq $0, (%rcx,%rax,8)
	leaq df_stack_guard(%rip), %rax
	shrq $12, %rax
	andl $511, %eax
	movq $0, (%rcx,%rax,8)
	movl %ebx, %edi /* zero-extends: the upper halves are undefined after the switch */
	call kmain
1:	hlt
	jmp 1b

/* Boot page tables: physical memory up to DIRECT_MAP_GIB GiB mapped with 2 MiB pages
 * at EXO_KERNBASE (PML4 slot 255) and, for the jump above, at 0 (slot 0).  Every
 * environment's PML4 shares slot 255; nothing else ever uses slot 0 of this table.
 * All of it is built here by the assembler, so boot spends no instruction on it
 * however much RAM there is (a loop over 2 MiB entries would cost ~1.5 µs each in
 * emulated ring 0).  Addresses without RAM (the MMIO hole, beyond the end of RAM)
 * are mapped too and never touched.  The first 2 MiB, which hold the kernel's
 * stacks (kernel.ld checks), are mapped with 4 KiB pages so that start64 can unmap
 * the stacks' guard pages. */
	.section .data.pagetables, "aw"
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.quad PHYS(boot_pdpt) + (PTE_P | PTE_W)
	.fill 254, 8, 0
	.quad PHYS(boot_pdpt) + (PTE_P | PTE_W)
	.fill 256, 8, 0
	.globl boot_pdpt
boot_pdpt:
	.set i, 0
	.rept DIRECT_MAP_GIB
	.quad PHYS(boot_pd) + (i << 12) + (PTE_P | PTE_W)
	.set i, i + 1
	.endr
	.fill 512 - DIRECT_MAP_GIB, 8, 0
	.globl boot_pd
boot_pd:
	.quad PHYS(boot_pt0) + (PTE_P | PTE_W)
	.set i, 1
	.rept DIRECT_MAP_GIB * 512 - 1
	.quad (i << 21) + (PTE_P | PTE_W | PTE_PS)
	.set i, i + 1
	.endr
boot_pt0:
	.set i, 0
	.rept 512
	.quad (i << 12) + (PTE_P | PTE_W)
	.set i, i + 1
	.endr

/* What the exported page-info table shows for a gigabyte of physical addresses
 * without RAM (pmem.c): a page table whose 512 entries all map one page of
 * EXO_PAGE_KERNEL entries, read-only.  One page-directory entry pointing here
 * covers the 2 MiB of table that describe such a gigabyte, so the MMIO hole costs
 * neither RAM nor a store at boot. */
	.globl pmem_hole_pt
pmem_hole_pt:
	.rept 512
	.quad PHYS(pmem_hole_entries) + (PTE_P | PTE_U) + 0x8000000000000000 /* NX */
	.endr
pmem_hole_entries:
	/* struct exo_page {owner 0, refs 0, type EXO_PAGE_KERNEL, flags 0} (pmem.c checks) */
	.rept 512
	.quad EXO_PAGE_KERNEL << 32
	.endr

/* GDT, Linux's layout (see x86.h).  The TSS descriptor is filled in by gdt_init(). */
	.data
	.balign 16
	.globl gdt
gdt:
	.quad 0                  /* 0x00 null */
	.quad 0                  /* 0x08 unused */
	.quad 0x00af9a000000ffff /* 0x10 kernel code, 64-bit */
	.quad 0x00cf92000000ffff /* 0x18 kernel data */
	.quad 0x00cffa000000ffff /* 0x23 user code, 32-bit (sysret's base; never used) */
	.quad 0x00cff2000000ffff /* 0x2b user data */
	.quad 0x00affa000000ffff /* 0x33 user code, 64-bit */
	.quad 0                  /* 0x38 unused */
	.quad 0, 0               /* 0x40 TSS (16 bytes) */
gdt_end:
boot_gdtr32:
	.word gdt_end - gdt - 1
	.long PHYS(gdt)
	.balign 8
	.globl boot_gdtr64
boot_gdtr64:
	.word gdt_end - gdt - 1
	.quad gdt

/* The kernel's stacks (kstack.h), each above an unmapped guard page: one for
 * every kernel path (the TSS's rsp0, syscall_entry) and one for double
 * faults (IST1), which is where a kernel stack overflow lands. */
	.section .bss.stacks, "aw", @nobits
	.balign 4096
	.globl boot_stack_guard, boot_stack_top, df_stack_guard, df_stack_top
boot_stack_guard:
	.skip 4096
boot_stack:
	.skip 16384
boot_stack_top:
df_stack_guard:
	.skip 4096
df_stack:
	.skip 4096
df_stack_top:
