/* The FPU, SSE and AVX registers of environments.
 *
 * The kernel itself never touches them (it is compiled -mgeneral-regs-only), so
 * the registers always hold the state of one environment, fpu_owner.  Each
 * environment slot has a save area (64-byte aligned, sized by CPUID leaf 0xD),
 * and whenever the CPU goes to another environment - preemption, yield, PCT,
 * the scheduler after an exit - env_run calls fpu_switch, which saves the
 * owner's state and loads the next one's.  Going back to the owner (an upcall,
 * a system call that returns, a PCT reply to a caller whose state is still
 * loaded) costs one comparison.
 *
 * XSAVEOPT/XRSTOR with the user state components CPUID offers up to AVX-512
 * (x87, SSE, AVX, opmask, ZMM), FXSAVE/FXRSTOR where XSAVE is absent (or with
 * the boot option `noxsave`, which exosim passes on KVM-on-PVM: that host's
 * ring-0 emulator cannot execute XSAVE or XRSTOR).
 *
 * Eager, not lazy (CR0.TS and #NM): on KVM-on-PVM a CR0.TS set by the guest
 * never raises #NM, so a lazy switch cannot work there at all; elsewhere it
 * would add a CR0 write to every switch and an exception round trip to every
 * switch into an environment that computes.
 * docs/architecture.md ("FPU state") has the measurements. */
#include <exo/env.h>

#include "env.h"
#include "fpu.h"
#include "arch.h"
#include "gate.h"
#include "kernel.h"
#include "x86.h"

#define XCR0_X87       0x01
#define XCR0_SSE       0x02
#define XCR0_AVX       0x04
#define XCR0_AVX512    0xe0 /* opmask, ZMM_Hi256, Hi16_ZMM: all or none */
#define CPUID1_XSAVE   (1u << 26)
#define CPUID_XSAVEOPT 0x1 /* leaf 0xD, sub-leaf 1, eax */
#define LEGACY_SIZE    512 /* the FXSAVE image, also XSAVE's first 512 bytes */

/* AVX-512 needs at most 2688 bytes (standard format); AMX, larger, is not enabled. */
#define AREA_MAX 2752

static uint8_t areas[EXO_NENV][AREA_MAX] __attribute__((aligned(64)));
/* The initial state: FCW 0x37f, MXCSR 0x1f80, XSTATE_BV 0 (every component
 * in its initial configuration). */
static uint8_t init_area[AREA_MAX] __attribute__((aligned(64)));

static const struct env *fpu_owner; /* whose state the registers hold, or 0 */
static enum { FXSAVE, XSAVE, XSAVEOPT } how = FXSAVE;
static uint64_t xmask; /* XCR0 */

/* The requested-feature bitmap in edx:eax is all ones: XSAVE and XRSTOR then
 * act on exactly what XCR0 enables, with no register to load first. */
static void save(void *area)
{
	if (how == XSAVEOPT)
		__asm__ volatile("xsaveopt64 (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
	else if (how == XSAVE)
		__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

static void restore(const void *area)
{
	if (how != FXSAVE)
		__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/* Turns on XSAVE with the components we save; returns the area size, 0 if
 * there is no XSAVE (or noxsave). */
static uint32_t xsave_enable(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	if (!(r[2] & CPUID1_XSAVE) || boot_options.noxsave)
		return 0;
	cpuid(0xd, 0, r);
	uint64_t want = r[0] & (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512);
	if ((want & XCR0_AVX512) != XCR0_AVX512 || !(want & XCR0_AVX))
		want &= ~(uint64_t)XCR0_AVX512;
	__asm__ volatile("mov %%cr4, %%rax; or %0, %%rax; mov %%rax, %%cr4"
	                 :
	                 : "i"(CR4_OSXSAVE)
	                 : "rax");
	for (;;) {
		__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)want), "d"(0));
		cpuid(0xd, 0, r); /* ebx: the size for what XCR0 now enables */
		if (r[1] <= AREA_MAX || !(want & XCR0_AVX512))
			break;
		want &= ~(uint64_t)XCR0_AVX512;
	}
	if (r[1] > AREA_MAX) /* x87, SSE and AVX take 832 bytes: never */
		panic("fpu: XSAVE area of %u bytes for XCR0 0x%lx", r[1], want);
	xmask = want;
	cpuid(0xd, 1, r);
	how = r[0] & CPUID_XSAVEOPT ? XSAVEOPT : XSAVE;
	return r[1];
}

void fpu_env_init(struct env *e)
{
	e->fpu = areas[e->slot];
	e->fpu_fresh = true;
	if (fpu_owner == e)
		fpu_owner = 0; /* the slot's last user: its registers are garbage now */
}

/* Into the registers: next's state (fpu_owner's saved first). */
static void load(struct env *next)
{
	if (fpu_owner)
		save(fpu_owner->fpu);
	restore(next->fpu_fresh ? init_area : next->fpu);
	next->fpu_fresh = false;
	fpu_owner = next;
}

/* exo.fpu_timing (bench/fpu_switch.sh): each switch timed with rdtsc, which
 * costs ~850 ns in emulated ring 0 on KVM-on-PVM; the cost of the probe
 * itself, measured at boot, is subtracted. */
#define TIMING_SAMPLES 1024
static uint32_t samples[TIMING_SAMPLES];
static uint32_t nsamples;
static uint64_t probe_cycles;

static void timed_load(struct env *next)
{
	uint64_t t0 = rdtsc();
	load(next);
	uint64_t dt = rdtsc() - t0;
	if (nsamples < TIMING_SAMPLES)
		samples[nsamples++] = (uint32_t)(dt > probe_cycles ? dt - probe_cycles : 0);
}

void fpu_switch(struct env *next)
{
	if (next == fpu_owner)
		return;
	if (boot_options.fpu_timing)
		timed_load(next);
	else
		load(next);
}

static void timing_init(void)
{
	probe_cycles = ~0ul;
	for (int i = 0; i < 8; i++) {
		uint64_t t0 = rdtsc(), dt = rdtsc() - t0;
		if (dt < probe_cycles)
			probe_cycles = dt;
	}
}

void fpu_print_timing(void)
{
	if (!boot_options.fpu_timing || !nsamples || !kinfo_page.tsc_khz)
		return;
	/* Insertion sort: at most TIMING_SAMPLES, once, at exit. */
	for (uint32_t i = 1; i < nsamples; i++)
		for (uint32_t j = i; j > 0 && samples[j - 1] > samples[j]; j--) {
			uint32_t t = samples[j];
			samples[j] = samples[j - 1], samples[j - 1] = t;
		}
	uint64_t khz = kinfo_page.tsc_khz;
	kprintf("exosim-stats: fpu_switches_timed=%u fpu_switch_ns_median=%lu "
	        "fpu_switch_ns_min=%lu fpu_switch_ns_max=%lu fpu_probe_ns=%lu fpu_method=%s\n",
	        nsamples, samples[nsamples / 2] * 1000000ul / khz, samples[0] * 1000000ul / khz,
	        samples[nsamples - 1] * 1000000ul / khz, probe_cycles * 1000000ul / khz,
	        how == FXSAVE  ? "fxsave"
	        : how == XSAVE ? "xsave"
	                       : "xsaveopt");
}

void fpu_init(void)
{
	uint32_t size = xsave_enable();
	if (boot_options.fpu_timing)
		timing_init();
	*(uint16_t *)&init_area[0] = 0x37f;   /* FCW, as after FNINIT */
	*(uint32_t *)&init_area[24] = 0x1f80; /* MXCSR: every exception masked */
	kverbose("exo: fpu: %s, components 0x%lx, %u-byte areas\n",
	         how == FXSAVE  ? "fxsave"
	         : how == XSAVE ? "xsave"
	                        : "xsaveopt",
	         xmask ? xmask : 3, size ? size : LEGACY_SIZE);
}
