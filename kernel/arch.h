/* The few architecture-specific primitives the rest of the kernel uses: port I/O,
 * control registers, MSRs, page-table load and TLB flush.  Another platform
 * replaces this file and entry.S, not the callers. */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdint.h>
#include <exo/memlayout.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
	                 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
	                 : "a"(leaf), "c"(sub));
}

/* The FS and GS bases without an MSR access (CR4.FSGSBASE, cpu.c). */
static inline uint64_t rdfsbase(void)
{
	uint64_t v;
	__asm__ volatile("rdfsbase %0" : "=r"(v));
	return v;
}

static inline uint64_t rdgsbase(void)
{
	uint64_t v;
	__asm__ volatile("rdgsbase %0" : "=r"(v));
	return v;
}

static inline void wrfsbase(uint64_t v)
{
	__asm__ volatile("wrfsbase %0" : : "r"(v));
}

static inline void wrgsbase(uint64_t v)
{
	__asm__ volatile("wrgsbase %0" : : "r"(v));
}

static inline uint64_t rcr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t rcr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* Load a page table: costs about 1.6 us on KVM-on-PVM, so callers skip it when
 * the table is already loaded. */
static inline void lcr3(uint64_t pa)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(pa) : "memory");
}

static inline void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline _Noreturn void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Physical <-> kernel virtual, through the direct map in PML4 slot 255. */
static inline void *kva(uint64_t pa)
{
	return (void *)(EXO_KERNBASE + pa);
}

static inline uint64_t kpa(const void *va)
{
	return (uint64_t)va - EXO_KERNBASE;
}

#endif
