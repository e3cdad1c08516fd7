/* The LAPIC timer in periodic mode.  x2APIC (MSRs) where CPUID offers it, as KVM
 * does; the memory-mapped xAPIC otherwise, as on QEMU TCG.  KVM and QEMU both
 * clock the LAPIC timer at 1 GHz, so with divide-by-1 a count is a nanosecond.
 * TSC-deadline mode is ~250 us late on KVM-on-PVM, so periodic it is. */
#include <exo/kinfo.h>

#include "arch.h"
#include "gate.h"
#include "kernel.h"
#include "lapic.h"
#include "x86.h"

#define MSR_APIC_BASE    0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)
#define XAPIC_PA         0xfee00000ul

#define REG_EOI           0xb0
#define REG_SVR           0xf0
#define REG_LVT_TIMER     0x320
#define REG_INITIAL_COUNT 0x380
#define REG_CURRENT_COUNT 0x390
#define REG_DIVIDE        0x3e0
#define SVR_ENABLE        0x100
#define LVT_PERIODIC      (1u << 17)
#define DIVIDE_BY_1       0xb

extern uint64_t boot_pd[4 * 512];

static bool x2apic;

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		*(volatile uint32_t *)kva(XAPIC_PA + reg) = v;
}

static bool cpu_has_x2apic(void)
{
	uint32_t a = 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c & (1u << 21);
}

static uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return *(volatile uint32_t *)kva(XAPIC_PA + reg);
}

/* Where exosim did not pass the TSC frequency (QEMU), count TSC cycles across
 * CAL_NS of the 1 GHz LAPIC timer.  Under TCG both are the host's clock, but the
 * host can take the CPU from QEMU between any two guest instructions: a read of
 * the count and the TSC read next to it may then be milliseconds apart (a
 * loaded host made a 1 ms calibration 2.5 to 30 times too high).  So each end
 * is a count read between two TSC reads, the narrowest of CAL_TRIES: its
 * midpoint is within half its width of the count. */
#define CAL_NS    2000000
#define CAL_TRIES 5

struct clock_pair {
	uint64_t tsc, width;
	uint32_t count;
};

static struct clock_pair read_pair(void)
{
	struct clock_pair best = {.width = UINT64_MAX};
	for (int i = 0; i < CAL_TRIES; i++) {
		uint64_t t0 = rdtsc();
		uint32_t count = lapic_read(REG_CURRENT_COUNT);
		uint64_t t1 = rdtsc();
		if (t1 - t0 < best.width)
			best = (struct clock_pair){t0 + (t1 - t0) / 2, t1 - t0, count};
	}
	return best;
}

static uint64_t calibrate_tsc_khz(void)
{
	struct clock_pair a, b;
	do { /* counting down from 2^32 ns: only a 4 s stall runs it out */
		lapic_write(REG_LVT_TIMER, 1u << 16); /* masked, one-shot */
		lapic_write(REG_INITIAL_COUNT, UINT32_MAX);
		a = read_pair();
		while (a.count - lapic_read(REG_CURRENT_COUNT) < CAL_NS)
			;
		b = read_pair();
	} while (!b.count);
	return (b.tsc - a.tsc) * 1000000 / (a.count - b.count);
}

void lapic_init(uint64_t tick_ns)
{
	x2apic = cpu_has_x2apic();
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
	if (x2apic) {
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2APIC);
	} else {
		wrmsr(MSR_APIC_BASE, base);
		/* The direct map's 2 MiB page over the APIC must be uncached. */
		boot_pd[XAPIC_PA >> 21] |= PTE_PCD | PTE_PWT;
		invlpg((uint64_t)kva(XAPIC_PA));
	}
	kinfo_page.timer = x2apic ? EXO_TIMER_X2APIC : EXO_TIMER_XAPIC;
	lapic_write(REG_DIVIDE, DIVIDE_BY_1);
	if (!kinfo_page.tsc_khz)
		kinfo_page.tsc_khz = calibrate_tsc_khz();
	kinfo_page.tick_ns = tick_ns;
	lapic_write(REG_SVR, SVR_ENABLE | IRQ_SPURIOUS);
	lapic_write(REG_DIVIDE, DIVIDE_BY_1);
	lapic_write(REG_LVT_TIMER, LVT_PERIODIC | IRQ_TIMER);
	lapic_write(REG_INITIAL_COUNT, (uint32_t)tick_ns);
}

void lapic_eoi(void)
{
	lapic_write(REG_EOI, 0);
}
