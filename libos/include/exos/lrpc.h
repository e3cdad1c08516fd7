/* LRPC (Bershad et al., SOSP '89) on the kernel's protected control transfer
 * (include/exo/sched.h): a call runs the server's procedure on the client's
 * time slice, arguments and results in registers, no message queues and no
 * scheduler in between.
 *
 * Server: exos_lrpc_serve(procs, n) maps a stack for its activations and
 * registers the entry.  A call to procedure p runs procs[p](caller, args,
 * results); caller is the client's environment id, vouched for by the kernel.
 * results[0] is the call's return value (-EXO_ENOSYS for an unknown
 * procedure), results[1..3] are extra words.  The server's own context can go
 * on with anything meanwhile, or sleep (exos_lrpc_park).
 *
 * Client: exos_lrpc_call needs a capability for the server with
 * EXO_RIGHT_CALL.  A server busy with another call gets the rest of our slice
 * (directed yield) and the call is retried. */
#ifndef EXOS_LRPC_H
#define EXOS_LRPC_H

#include <stdint.h>

#include <exos/sys.h>

/* The activation stack (see the address-space table in <exos/vm.h>). */
#define EXOS_PCT_STACK_PAGES 4
#define EXOS_PCT_STACK_LO    EXO_UL(0x7d0000400000)
#define EXOS_PCT_STACK_HI    (EXOS_PCT_STACK_LO + EXOS_PCT_STACK_PAGES * EXO_PAGE_SIZE)

typedef void (*exos_lrpc_proc)(uint32_t caller, const uint64_t args[3], uint64_t results[4]);

long exos_lrpc_serve(const exos_lrpc_proc *procs, unsigned nprocs);

/* Sleeps until *stop is nonzero; the server keeps taking calls meanwhile. */
long exos_lrpc_park(const volatile uint64_t *stop);

/* Returns results[0] of procedure proc, with results[0..3] in r (may be
 * NULL), or a PCT error (-EXO_EBADF, -EXO_EPERM, -EXO_EPIPE, ...). */
long exos_lrpc_call(int server_cap, unsigned proc, uint64_t a1, uint64_t a2, uint64_t a3,
                    uint64_t r[4]);

#endif
