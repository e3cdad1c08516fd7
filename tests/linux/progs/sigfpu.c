/* sigfpu: a signal handler that changes the FPU, SSE and AVX registers does not change
 * the interrupted code's.  Code holding a pattern in the x87 control word, MXCSR and
 * xmm0-15 (ymm0-15 where the kernel enabled AVX: OSXSAVE and XCR0) executes ud2; the
 * SIGILL handler loads other values into all of them, skips the ud2 and returns through
 * rt_sigreturn; the code then stores its registers, which must be the pattern, bit for
 * bit.  The output does not say whether AVX was checked (it differs between hosts). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>
#include "check.h"

#define ROUNDS 100

static uint8_t pattern[16][32] __attribute__((aligned(32)));
static uint8_t junk[16][32] __attribute__((aligned(32)));
static uint8_t out[16][32] __attribute__((aligned(32)));
static uint32_t mxcsr_in = 0x3f80 | 0x8000, mxcsr_junk = 0x7f80, mxcsr_out;
static uint16_t fcw_in = 0x0b7f, fcw_junk = 0x037f, fcw_out;
static int avx, handled;

static int avx_enabled(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 27)) || !(c & (1u << 28)))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	return (a & 6) == 6;
}

#define LOAD_YMM(p)                                                                     \
	__asm__ volatile(".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"                   \
	                 "vmovdqu \\i*32(%0), %%ymm\\i\n.endr" ::"r"(p)                      \
	                 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
	                   "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15")
#define LOAD_XMM(p)                                                                     \
	__asm__ volatile(".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"                   \
	                 "movdqu \\i*32(%0), %%xmm\\i\n.endr" ::"r"(p)                       \
	                 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
	                   "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15")

static void on_ill(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig, (void)si;
	if (avx)
		LOAD_YMM(junk);
	else
		LOAD_XMM(junk);
	__asm__ volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(mxcsr_junk), "m"(fcw_junk));
	uc->uc_mcontext.gregs[REG_RIP] += 2; /* past the ud2 */
	handled++;
}

/* Loads the pattern, takes the signal, stores what the registers hold. */
static void round_trip(void)
{
	if (avx)
		__asm__ volatile("ldmxcsr %[mi]\n\tfldcw %[fi]\n\t"
		                 ".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		                 "vmovdqu \\i*32(%[p]), %%ymm\\i\n.endr\n\t"
		                 "ud2\n\t"
		                 ".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		                 "vmovdqu %%ymm\\i, \\i*32(%[o])\n.endr\n\t"
		                 "stmxcsr %[mo]\n\tfnstcw %[fo]\n\tvzeroupper"
		                 : [mo] "=m"(mxcsr_out), [fo] "=m"(fcw_out)
		                 : [p] "r"(pattern), [o] "r"(out), [mi] "m"(mxcsr_in), [fi] "m"(fcw_in)
		                 : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		                   "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
		                   "xmm15");
	else
		__asm__ volatile("ldmxcsr %[mi]\n\tfldcw %[fi]\n\t"
		                 ".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		                 "movdqu \\i*32(%[p]), %%xmm\\i\n.endr\n\t"
		                 "ud2\n\t"
		                 ".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
		                 "movdqu %%xmm\\i, \\i*32(%[o])\n.endr\n\t"
		                 "stmxcsr %[mo]\n\tfnstcw %[fo]"
		                 : [mo] "=m"(mxcsr_out), [fo] "=m"(fcw_out)
		                 : [p] "r"(pattern), [o] "r"(out), [mi] "m"(mxcsr_in), [fi] "m"(fcw_in)
		                 : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
		                   "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
		                   "xmm15");
	uint32_t def_mxcsr = 0x1f80;
	uint16_t def_fcw = 0x037f;
	__asm__ volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(def_mxcsr), "m"(def_fcw));
}

int main(void)
{
	avx = avx_enabled();
	uint64_t x = 0x2545f4914f6cdd1dull;
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 32; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			pattern[i][j] = (uint8_t)x;
			junk[i][j] = (uint8_t)~x;
		}
	struct sigaction sa = {.sa_sigaction = on_ill, .sa_flags = SA_SIGINFO};
	sigaction(SIGILL, &sa, 0);
	int bad = 0;
	for (int r = 0; r < ROUNDS; r++) {
		memset(out, 0, sizeof(out));
		round_trip();
		size_t n = avx ? 32 : 16;
		for (int i = 0; i < 16; i++)
			bad += memcmp(out[i], pattern[i], n) != 0;
		bad += mxcsr_out != mxcsr_in || fcw_out != fcw_in;
	}
	CHECK(handled == ROUNDS, "the handler ran once per round");
	CHECK(bad == 0, "the registers survived a handler that changed them");
	return check_failures != 0;
}
