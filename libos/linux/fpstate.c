/* The FPU state in a Linux signal frame, laid out as Linux does it.
 *
 * Without XSAVE (the kernel did not set OSXSAVE: KVM-on-PVM, noxsave) the area
 * is the 512-byte FXSAVE image.  With it, the area is the XSAVE image of every
 * component XCR0 enables (AVX's upper halves included, so a handler that uses
 * AVX does not change the interrupted code's registers), announced in the
 * image's software-reserved bytes (struct sw_bytes, Linux's _fpx_sw_bytes) and
 * closed by a second magic word, with UC_FP_XSTATE in the ucontext's flags.
 *
 * Restoring reads the area into ExOS's own buffer first and makes valid what
 * the CPU would fault on (MXCSR's reserved bits, the XSAVE header), so a
 * program that scribbles on its frame cannot make ExOS take a #GP; a frame
 * without the magic words restores the FXSAVE part only.  ExOS itself never
 * touches these registers (-mgeneral-regs-only): the program's state is live
 * in them whenever ExOS runs. */
#include <string.h>

#include "fpstate.h"
#include "linux.h"

#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#define UC_FP_XSTATE     0x1
#define FXSAVE_SIZE      512
#define MXCSR_OFF        24
#define SW_BYTES_OFF     464 /* software-available bytes of the FXSAVE image */
#define XHEADER_OFF      512
#define BUF_SIZE         4096

struct sw_bytes {
	uint32_t magic1, extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size, padding[7];
};
_Static_assert(sizeof(struct sw_bytes) == 48, "struct _fpx_sw_bytes");

static uint64_t xfeatures; /* XCR0; 0: FXSAVE */
static uint32_t xstate_size;
static bool probed;
static uint8_t buf[BUF_SIZE] __attribute__((aligned(64)));

static void probe(void)
{
	uint32_t a, b, c, d;
	probed = true;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 27))) /* OSXSAVE: the kernel enabled XSAVE */
		return;
	__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	uint64_t mask = a | (uint64_t)d << 32;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(0));
	if (b > BUF_SIZE - 4)
		return; /* not a kernel of ours (it stops at AVX-512): FXSAVE only */
	xfeatures = mask;
	xstate_size = b;
}

uint64_t linux_fpstate_size(void)
{
	if (!probed)
		probe();
	return xfeatures ? xstate_size + 4 : FXSAVE_SIZE;
}

uint64_t linux_fpstate_save(uint64_t fp)
{
	if (!probed)
		probe();
	if (!xfeatures) {
		__asm__ volatile("fxsave64 (%0)" : : "r"(fp) : "memory");
		return 0;
	}
	__asm__ volatile("xsave64 (%0)"
	                 :
	                 : "r"(fp), "a"((uint32_t)xfeatures), "d"((uint32_t)(xfeatures >> 32))
	                 : "memory");
	struct sw_bytes sw = {.magic1 = FP_XSTATE_MAGIC1,
	                      .extended_size = xstate_size + 4,
	                      .xfeatures = xfeatures,
	                      .xstate_size = xstate_size};
	uint32_t magic2 = FP_XSTATE_MAGIC2;
	memcpy((void *)(fp + SW_BYTES_OFF), &sw, sizeof(sw));
	memcpy((void *)(fp + xstate_size), &magic2, sizeof(magic2));
	return UC_FP_XSTATE;
}

/* Whether the area at fp is a whole XSAVE frame of ours. */
static bool is_xstate(uint64_t fp)
{
	struct sw_bytes sw;
	uint32_t magic2;
	if (!xfeatures || (fp & 63))
		return false;
	memcpy(&sw, (const void *)(fp + SW_BYTES_OFF), sizeof(sw));
	if (sw.magic1 != FP_XSTATE_MAGIC1 || sw.xstate_size != xstate_size ||
	    sw.extended_size != xstate_size + 4 || !linux_user_ok(fp, xstate_size + 4, false))
		return false;
	memcpy(&magic2, (const void *)(fp + xstate_size), sizeof(magic2));
	return magic2 == FP_XSTATE_MAGIC2;
}

bool linux_fpstate_restore(uint64_t fp)
{
	if (!probed)
		probe();
	if ((fp & 15) || !linux_user_ok(fp, FXSAVE_SIZE, false))
		return false;
	bool x = is_xstate(fp);
	memcpy(buf, (const void *)fp, x ? xstate_size : FXSAVE_SIZE);
	uint32_t *mxcsr = (uint32_t *)(buf + MXCSR_OFF);
	*mxcsr &= 0xffff; /* reserved bits set: #GP */
	if (!x) {
		__asm__ volatile("fxrstor64 (%0)" : : "r"(buf) : "memory");
		return true;
	}
	uint64_t *hdr = (uint64_t *)(buf + XHEADER_OFF);
	hdr[0] &= xfeatures;    /* XSTATE_BV: only what XCR0 enables */
	memset(&hdr[1], 0, 56); /* XCOMP_BV (standard format) and the reserved bytes */
	__asm__ volatile("xrstor64 (%0)"
	                 :
	                 : "r"(buf), "a"((uint32_t)xfeatures), "d"((uint32_t)(xfeatures >> 32))
	                 : "memory");
	return true;
}

/* A thread switch (thread.c): the whole state, into and out of ExOS's own
 * 64-byte aligned page, with no frame around it. */
void linux_fpstate_save_raw(uint64_t area)
{
	if (!probed)
		probe();
	if (!xfeatures)
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
	else
		__asm__ volatile("xsave64 (%0)"
		                 :
		                 : "r"(area), "a"((uint32_t)xfeatures),
		                   "d"((uint32_t)(xfeatures >> 32))
		                 : "memory");
}

void linux_fpstate_load_raw(uint64_t area)
{
	if (!xfeatures)
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
	else
		__asm__ volatile("xrstor64 (%0)"
		                 :
		                 : "r"(area), "a"((uint32_t)xfeatures),
		                   "d"((uint32_t)(xfeatures >> 32))
		                 : "memory");
}
