/* The syscall gate and the kernel info page, shared read-only by every
 * environment (mapped by the loader at EXO_GATE_SYSCALL and EXO_KINFO). */
#include <exo/kinfo.h>

#include <exo/memlayout.h>

#include "arch.h"
#include "gate.h"
#include "pagetable.h"
#include "x86.h"
#include "kernel.h"
#include "trap.h"

/* gate_page and kinfo_page are whole pages of their own (entry.S), so mapping
 * them into user space exposes nothing else of the kernel. */

static const uint8_t gate_syscall[] = {0x0f, 0x05, 0xc3}; /* syscall; ret */
static const uint8_t gate_int3[] = {0x90, 0xcc, 0xc3};    /* nop; int3; ret */

static void gate_write(const uint8_t code[3])
{
	for (int i = 0; i < 3; i++)
		gate_page[i] = code[i];
}

/* Start optimistic: `syscall` works on VT-x KVM and QEMU.  Where it does not, the
 * first call faults at LSTAR and the trap handler switches to the fallback. */
void gate_init(void)
{
	export_map(EXO_GATE_SYSCALL, kpa(gate_page), 0);
	export_map(EXO_KINFO, kpa(&kinfo_page), PTE_NX);
	kinfo_page.version = 1;
	kinfo_page.tsc_khz = boot_options.tsc_khz;
	kinfo_page.flags = (boot_options.stats ? EXO_KINFO_STATS : 0) |
	                   (cpu_fsgsbase ? EXO_KINFO_FSGSBASE : 0);
	gate_write(gate_syscall);
}

void gate_use_int3(void)
{
	if (kinfo_page.entry_method == EXO_ENTRY_INT3)
		return;
	kinfo_page.entry_method = EXO_ENTRY_INT3;
	gate_write(gate_int3);
	kverbose("exo: `syscall` does not reach ring 0 here: using the breakpoint gate\n");
}
