/* Per-CPU hardware state: the TSS, the IDT, the syscall MSRs, FSGSBASE and the FPU. */
#include <stddef.h>

#include <exo/disk.h>

#include "arch.h"
#include "fpu.h"
#include "kernel.h"
#include "kstack.h"
#include "lapic.h"
#include "trap.h"
#include "x86.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
};

#define NVECTORS       32   /* exceptions, then the IRQs below */
#define GATE_INTR      0x8e /* present, DPL 0, 64-bit interrupt gate */
#define GATE_INTR_USER 0xee /* the same, reachable from ring 3 with `int` */

extern uint64_t gdt[GDT_ENTRIES];
extern const uint64_t trap_entries[NVECTORS];
extern char irq_timer_entry[], irq_spurious_entry[], irq_console_entry[];
extern const uint64_t irq_dev_entries[EXO_DISK_MAX];
extern char syscall_entry[];

static struct tss tss;
static struct idt_gate idt[256];

static void tss_init(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
	tss.rsp[0] = (uint64_t)boot_stack_top;
	tss.ist[0] = (uint64_t)df_stack_top; /* IST1: double fault */
	tss.iomap_base = sizeof(tss);        /* no I/O bitmap: no ports for ring 3 */
	gdt[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ul << 40) |
	                   ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	gdt[SEL_TSS / 8 + 1] = base >> 32;
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}

static struct idt_gate gate(uint64_t off, uint8_t type, uint8_t ist)
{
	return (struct idt_gate){
	        .off_lo = (uint16_t)off,
	        .sel = SEL_KCODE,
	        .ist = ist,
	        .type = type,
	        .off_mid = (uint16_t)(off >> 16),
	        .off_hi = (uint32_t)(off >> 32),
	};
}

/* Only the vectors in use are filled: boot runs emulated, ~275 ns an instruction. */
static void idt_init(void)
{
	for (int v = 0; v < NVECTORS; v++)
		idt[v] = gate(trap_entries[v], v == T_BP ? GATE_INTR_USER : GATE_INTR,
		              v == T_DF ? 1 : 0);
	idt[IRQ_TIMER] = gate((uint64_t)irq_timer_entry, GATE_INTR, 0);
	idt[IRQ_SPURIOUS] = gate((uint64_t)irq_spurious_entry, GATE_INTR, 0);
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void cpu_set_irq(uint8_t vector, unsigned i)
{
	idt[vector] = gate(irq_dev_entries[i], GATE_INTR, 0);
}

void cpu_set_console_irq(uint8_t vector)
{
	idt[vector] = gate((uint64_t)irq_console_entry, GATE_INTR, 0);
}

/* SYSCALL lands in syscall_entry with CS = SEL_KCODE; SYSRET returns to
 * SEL_UCODE32 + 16 = SEL_UCODE.  FMASK clears IF, TF, DF and AC on entry. */
static void syscall_msr_init(void)
{
	wrmsr(MSR_STAR, ((uint64_t)SEL_UCODE32 << 48) | ((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, 0x40700);
}

bool cpu_fsgsbase;

/* CR4.FSGSBASE lets ring 3 write its own FS base (wrfsbase): a libOS that
 * switches threads sets the thread pointer without a kernel call, which costs
 * tens of microseconds on KVM-on-PVM.  The bases are then the environment's
 * to change at will, so env.c saves them whenever another environment runs.
 * The kernel itself uses neither FS nor GS. */
static void fsgsbase_enable(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	if (r[0] < 7 || boot_options.nofsgsbase)
		return;
	cpuid(7, 0, r);
	if (!(r[1] & 1)) /* EBX bit 0: FSGSBASE */
		return;
	__asm__ volatile("mov %%cr4, %%rax; or %0, %%rax; mov %%rax, %%cr4"
	                 :
	                 : "i"(CR4_FSGSBASE)
	                 : "rax");
	cpu_fsgsbase = true;
}

void cpu_init(void)
{
	tss_init();
	idt_init();
	syscall_msr_init();
	fsgsbase_enable();
	fpu_init();
}
