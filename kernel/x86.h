/* x86-64 definitions used by the kernel, from C and from assembly. */
#ifndef KERNEL_X86_H
#define KERNEL_X86_H

/* Segment selectors.  The layout is Linux's: KVM on PVM reports user code
 * as 0x33 after a `syscall` that stayed in ring 3, so our selectors match. */
#define SEL_KCODE   0x10
#define SEL_KDATA   0x18
#define SEL_UCODE32 0x23
#define SEL_UDATA   0x2b
#define SEL_UCODE   0x33
#define SEL_TSS     0x40
#define GDT_ENTRIES 10

/* Page-table entry bits. */
#define PTE_P         0x001
#define PTE_W         0x002
#define PTE_U         0x004
#define PTE_PWT       0x008
#define PTE_PCD       0x010
#define PTE_A         0x020
#define PTE_D         0x040
#define PTE_PS        0x080
#define PTE_G         0x100
#define PTE_AVAIL     0xe00       /* bits 9-11: the software bits a libOS may set */
#define PTE_KERNEL_W  (1ul << 52) /* ignored by the MMU: see pagetable.c */
#define PTE_NX        (1ul << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ul

/* Control registers and MSRs. */
#define CR0_PE         0x00000001
#define CR0_MP         0x00000002
#define CR0_ET         0x00000010
#define CR0_NE         0x00000020
#define CR0_WP         0x00010000
#define CR0_PG         0x80000000
#define CR4_PAE        0x00000020
#define CR4_OSFXSR     0x00000200
#define CR4_OSXMMEXCPT 0x00000400
#define CR4_FSGSBASE   0x00010000
#define CR4_OSXSAVE    0x00040000
#define MSR_EFER       0xc0000080
#define EFER_SCE       0x001
#define EFER_LME       0x100
#define EFER_NXE       0x800
#define MSR_STAR       0xc0000081
#define MSR_LSTAR      0xc0000082
#define MSR_FMASK      0xc0000084
#define MSR_FS_BASE    0xc0000100
#define MSR_GS_BASE    0xc0000101

#define RFLAGS_IF        0x200
#define RFLAGS_USER_MASK 0xcd5 /* CF PF AF ZF SF TF DF OF: what ring 3 may set */

/* Exception vectors. */
#define T_DE  0
#define T_DB  1
#define T_NMI 2
#define T_BP  3
#define T_OF  4
#define T_BR  5
#define T_UD  6
#define T_NM  7
#define T_DF  8
#define T_TS  10
#define T_NP  11
#define T_SS  12
#define T_GP  13
#define T_PF  14
#define T_MF  16
#define T_AC  17
#define T_MC  18
#define T_XM  19

#endif
