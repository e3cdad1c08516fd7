/* The guest virtual address space, shared by the kernel and libOSes.
 *
 * Under KVM on PVM the upper canonical half belongs to the host, so the
 * exokernel lives in the top PML4 slot of the lower half (DESIGN.md §3.2):
 *
 *   0x7f80_0000_0000 .. 0x7fff_ffff_ffff  slot 255: kernel, direct map of
 *                                         physical memory (supervisor only)
 *   0x7f00_0000_0000 .. 0x7f7f_ffff_ffff  slot 254: reserved (exported page
 *                                         tables, UVPT)
 *   0x7e80_0000_0000 .. 0x7eff_ffff_ffff  slot 253: kernel-exported,
 *                                         read-only to user: gate, info page
 *   0x0000_0000_0000 .. EXO_USER_TOP      everything else belongs to the
 *                                         environment
 */
#ifndef EXO_MEMLAYOUT_H
#define EXO_MEMLAYOUT_H

/* Usable from assembly too. */
#ifdef __ASSEMBLER__
#define EXO_UL(x) x
#else
#define EXO_UL(x) x##ul
#endif

#define EXO_PAGE_SIZE EXO_UL(4096)
#define EXO_KERNBASE  EXO_UL(0x7f8000000000) /* phys p is mapped at KERNBASE + p */
#define EXO_UVPT      EXO_UL(0x7f0000000000)
#define EXO_UEXPORT   EXO_UL(0x7e8000000000)
#define EXO_USER_TOP  EXO_UEXPORT /* user addresses are < this */

/* The syscall gate (see syscall.h): call it like a function. */
#define EXO_GATE_SYSCALL EXO_UEXPORT
/* The kernel info page (struct exo_kinfo, kinfo.h), read-only. */
#define EXO_KINFO (EXO_UEXPORT + EXO_PAGE_SIZE)
/* The environment table (struct exo_env_info[EXO_NENV], env.h), read-only. */
#define EXO_ENVS (EXO_UEXPORT + EXO_UL(0x200000))
/* Console input (console.h): the ring's header, writable, then its data,
 * read-only; exported only where exosim's console input exists. */
#define EXO_CONSOLE_IN      (EXO_UEXPORT + EXO_UL(0x20000000))
#define EXO_CONSOLE_IN_DATA (EXO_CONSOLE_IN + EXO_PAGE_SIZE)
/* The page-info table (struct exo_page[npages], page.h), read-only. */
#define EXO_PAGES (EXO_UEXPORT + EXO_UL(0x40000000))

/* The initramfs, read-only (exo_kinfo.initrd_size bytes): the libOS's root
 * file system. */
#define EXO_INITRD (EXO_UEXPORT + EXO_UL(0x100000000))

/* Where the kernel puts the first environment's stack. */
#define EXO_USTACK_TOP EXO_UL(0x7ffff000000)
/* Where the kernel places a static-pie (ET_DYN) program. */
#define EXO_PIE_BASE EXO_UL(0x400000)

#define EXO_USTACK_PAGES  16
#define EXO_USTACK_BOTTOM (EXO_USTACK_TOP - EXO_USTACK_PAGES * EXO_PAGE_SIZE)

#endif
