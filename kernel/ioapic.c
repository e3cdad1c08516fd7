/* The I/O APIC, programmed only through what exosim's emulation also offers:
 * IOREGSEL at +0, IOWIN at +0x10, the version register (its pin count) and the
 * redirection entries 0x10 + 2p (low) and 0x11 + 2p (high). */
#include "arch.h"
#include "ioapic.h"
#include "kernel.h"
#include "x86.h"

#define IOAPIC_PA     0xfec00000ul
#define IOREGSEL      0x00
#define IOWIN         0x10
#define REG_VERSION   0x01
#define REG_REDIR_LO  0x10
#define REDIR_MASKED  (1u << 16)
#define REDIR_LEVEL   (1u << 15)
#define REDIR_LOW_POL (1u << 13)

extern uint64_t boot_pd[4 * 512];

static uint32_t npins; /* 0 until first used */

static uint32_t ioapic_read(uint32_t reg)
{
	*(volatile uint32_t *)kva(IOAPIC_PA + IOREGSEL) = reg;
	return *(volatile uint32_t *)kva(IOAPIC_PA + IOWIN);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)kva(IOAPIC_PA + IOREGSEL) = reg;
	*(volatile uint32_t *)kva(IOAPIC_PA + IOWIN) = v;
}

/* The direct map's 2 MiB page over the IOAPIC becomes uncached; the version
 * register says how many pins there are (an absent IOAPIC reads as all ones
 * or zeros: no pins). */
static void ioapic_probe(void)
{
	boot_pd[IOAPIC_PA >> 21] |= PTE_PCD | PTE_PWT;
	invlpg((uint64_t)kva(IOAPIC_PA));
	uint32_t v = ioapic_read(REG_VERSION);
	npins = v == ~0u ? 0 : ((v >> 16) & 0xff) + 1;
	if (!(v & 0xff))
		npins = 0;
}

int ioapic_route(uint32_t pin, uint8_t vector)
{
	if (!npins)
		ioapic_probe();
	if (pin >= npins)
		return -1;
	ioapic_write(REG_REDIR_LO + 2 * pin + 1, 0);  /* destination: APIC ID 0 */
	ioapic_write(REG_REDIR_LO + 2 * pin, vector); /* fixed, physical, edge, high, unmasked */
	return 0;
}
