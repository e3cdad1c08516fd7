/* LRPC over protected control transfer (see <exos/lrpc.h>). */
#include <exos/lrpc.h>
#include <exos/sched.h>
#include <exos/vm.h>

static const exos_lrpc_proc *procs;
static unsigned nprocs;

/* The kernel enters here on a fresh activation stack, as if called with
 * (caller, kind, a0..a3).  It must not return: it replies or finishes. */
static _Noreturn void lrpc_entry(uint64_t caller, uint64_t kind, uint64_t proc, uint64_t a1,
                                 uint64_t a2, uint64_t a3)
{
	const uint64_t args[3] = {a1, a2, a3};
	uint64_t r[4] = {(uint64_t)-EXO_ENOSYS, 0, 0, 0};

	if (proc < nprocs && procs[proc])
		procs[proc]((uint32_t)caller, args, r);
	if (kind == EXO_PCT_CALL)
		exo_pct_reply(r[0], r[1], r[2], r[3]); /* does not return */
	for (;;)
		exo_pct_done();
}

long exos_lrpc_serve(const exos_lrpc_proc *p, unsigned n)
{
	long r = exos_map_range(EXOS_PCT_STACK_LO, EXOS_PCT_STACK_PAGES, EXO_PTE_W | EXO_PTE_NX);

	if (r < 0)
		return r;
	procs = p;
	nprocs = n;
	return exo_pct_entry(EXO_CAP_SELF, (const void *)lrpc_entry, EXOS_PCT_STACK_HI);
}

long exos_lrpc_park(const volatile uint64_t *stop)
{
	long r = 0;

	while (!*stop && r == 0)
		r = exos_wait_word(stop, EXO_PRED_NE, 0, 0);
	return r;
}

long exos_lrpc_call(int server_cap, unsigned proc, uint64_t a1, uint64_t a2, uint64_t a3,
                    uint64_t r[4])
{
	const uint64_t a[4] = {proc, a1, a2, a3};
	uint64_t res[4];
	long err;

	while ((err = exo_pct_call(server_cap, a, res)) == -EXO_EBUSY)
		exo_yield_to(server_cap);
	if (err < 0)
		return err;
	if (r)
		for (int i = 0; i < 4; i++)
			r[i] = res[i];
	return (long)res[0];
}
