/* The eBPF filter interpreter. See bpf.h.
 *
 * It runs only what bpf_verify accepted, so it trusts the program: known opcodes, valid
 * registers, forward jumps that land on instructions, stack accesses in bounds and after
 * a write, no register read before it is written. What it checks itself is the one
 * thing the verifier leaves to run time: that a packet load lies inside the packet.
 *
 * In ring 0 here every host instruction costs about 275 ns, so the loop is direct
 * threaded (GNU computed goto: each handler dispatches the next instruction itself, no
 * loop branch or range check), and packet pointers are offsets from the packet's start
 * (r1 starts at 0), which makes the bounds check one comparison against the length and
 * keeps kernel addresses out of the filter's registers. The stack pointer r10 is a real
 * address: stack accesses need no check. bpf_interp.h holds the loop; it is compiled
 * twice, with and without an instruction counter. */
#include "bpf.h"

#include "kstring.h"

/* Division and modulo, unsigned (off 0) or signed (off 1, SDIV and SMOD), with the RFC's
 * results where C has none: x / 0 = 0, x % 0 = x, and for the signed overflow
 * MIN / -1 = MIN (it wraps) and MIN % -1 = 0. */
static uint64_t bpf_div64(uint64_t a, uint64_t b, int16_t sgn)
{
	if (b == 0)
		return 0;
	if (!sgn)
		return a / b;
	if ((int64_t)b == -1)
		return 0 - a;
	return (uint64_t)((int64_t)a / (int64_t)b);
}

static uint64_t bpf_mod64(uint64_t a, uint64_t b, int16_t sgn)
{
	if (b == 0)
		return a;
	if (!sgn)
		return a % b;
	if ((int64_t)b == -1)
		return 0;
	return (uint64_t)((int64_t)a % (int64_t)b);
}

static uint32_t bpf_div32(uint32_t a, uint32_t b, int16_t sgn)
{
	if (b == 0)
		return 0;
	if (!sgn)
		return a / b;
	if ((int32_t)b == -1)
		return 0 - a;
	return (uint32_t)((int32_t)a / (int32_t)b);
}

static uint32_t bpf_mod32(uint32_t a, uint32_t b, int16_t sgn)
{
	if (b == 0)
		return a;
	if (!sgn)
		return a % b;
	if ((int32_t)b == -1)
		return 0;
	return (uint32_t)((int32_t)a % (int32_t)b);
}

/* MOVSX (rewritten by the verifier to BPF_XMOVSX): sign-extends the low off bits. */
static uint64_t bpf_movsx(uint64_t x, int16_t bits)
{
	return bits == 8    ? (uint64_t)(int64_t)(int8_t)x
	       : bits == 16 ? (uint64_t)(int64_t)(int16_t)x
	                    : (uint64_t)(int64_t)(int32_t)x;
}

#define BPF_RUN_NAME bpf_run
#define BPF_RUN_ARGS
#define BPF_COUNT()
#include "bpf_interp.h"
#undef BPF_RUN_NAME
#undef BPF_RUN_ARGS
#undef BPF_COUNT

#define BPF_RUN_NAME bpf_run_counted
#define BPF_RUN_ARGS , uint64_t *count
#define BPF_COUNT()  (++*count)
#include "bpf_interp.h"
