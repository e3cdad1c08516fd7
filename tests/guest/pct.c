/* pct: protected control transfer (include/exo/sched.h) and LRPC on top of it.
 *
 * A server child registers a raw PCT entry on its own activation stack and
 * sleeps; every call runs the entry in a fresh activation while the server's
 * main context stays asleep, untouched (we poke it awake now and then: it
 * checks a canary on its own stack).  What the entry does with a call depends
 * on a mode word in a page we share with it.  In order:
 *  1. ping-pong: 500 calls with varied words (0, ~0, high bits, pseudo-random)
 *     come back as a known function of all four words, with our id;
 *  2. identity: the entry's rdi is the caller's id, set by the kernel: ours,
 *     whatever we put in a0, and a second client's own;
 *  3. SEND: we run on while the activation works (the callee is busy
 *     meanwhile: -EBUSY); it bumps a shared counter and ends with DONE; REPLY
 *     is refused there;
 *  4. errors, each with its errno, including sleeping inside an activation
 *     and a call back into its blocked caller (-EBUSY);
 *  5. LRPC (<exos/lrpc.h>): a procedure table served by a child that parks;
 *  6. dead targets: a killed server's capability is revoked (-EBADF); a
 *     callee that exits inside the activation gives its caller -EPIPE; DONE
 *     cannot end a CALL activation (the caller would wait forever);
 *  7. re-entry: on fresh servers, an activation that yields, or that makes a
 *     nested call (to the LRPC server, which sees the server as its caller),
 *     resumes where it was, and the server's main context is left alone.
 * Every wait on another environment has a deadline, and children that would
 * otherwise hang exit instead, so a kernel bug shows as FAIL lines. */
#define TEST_NAME "pct"
#include <exo/status.h>
#include <exos/env.h>
#include <exos/lrpc.h>
#include <exos/sched.h>
#include <exos/vm.h>

#include "check.h"

#define SHARED       0x4e0000000000ul
#define SRV_STACK    0x4e0000100000ul /* the server's activation stack */
#define AUX_STACK    0x4e0000200000ul /* the aux child's */
#define OWN_STACK    0x4e0000300000ul /* ours (for the call-back test) */
#define STACK_PAGES  4
#define STACK_TOP(b) ((b) + STACK_PAGES * EXO_PAGE_SIZE)

#define NPINGS 500
#define NSENDS 50
#define MS     1000000ul /* ns */

/* Server modes for CALL activations. */
enum { M_ECHO, M_WAIT, M_CALLBACK, M_YIELD, M_NEST };
/* Aux modes. */
enum { AUX_DONE, AUX_EXIT };
/* Exit statuses of children that caught the kernel misbehaving. */
#define EXIT_REPLY_RETURNED 90 /* REPLY returned inside a CALL activation */
#define EXIT_DONE_RETURNED  91 /* DONE returned inside a SEND activation */
#define EXIT_STRANDED       92 /* DONE ended a CALL activation; its caller hangs */

struct shared {
	volatile uint64_t mode;
	volatile uint64_t parent_id, server_id;
	/* The server's main context. */
	volatile uint64_t poke, main_seen, srv_stop;
	/* SEND activations. */
	volatile uint64_t go, send_started, sends, send_timeouts;
	volatile uint64_t send_caller, send_args[4], send_in_pct;
	volatile int64_t send_reply;
	/* Slots in the server's table. */
	volatile uint64_t srv_parent_cap, srv_lrpc_cap;
	volatile uint64_t yield_entries, nest_entries;
	/* The second client. */
	volatile uint64_t client_cap;
	volatile int64_t client_ret;
	volatile uint64_t client_saw, client_words_ok;
	/* The aux child. */
	volatile uint64_t aux_mode, aux_stop, aux_stranded;
	/* The LRPC child. */
	volatile uint64_t lrpc_stop;
};
#define SH ((struct shared *)SHARED)

static uint64_t rotl(uint64_t x, unsigned n)
{
	return x << n | x >> (64 - n);
}

/* What the echo server returns for a0..a3 (r[3] is the caller). */
static void echo_fn(const uint64_t a[4], uint64_t r[3])
{
	r[0] = ~a[0] ^ rotl(a[3], 11);
	r[1] = a[1] + rotl(a[2], 23) + 0x0123456789abcdeful;
	r[2] = (a[0] - a[1]) ^ (a[2] * 0x9e3779b97f4a7c15ul) ^ ~a[3];
}

static uint64_t tsc_ms(uint64_t ms)
{
	return ms * exo_kinfo()->tsc_khz;
}

/* ---- The server ---- */

static _Noreturn void server_entry(uint64_t caller, uint64_t kind, uint64_t a0, uint64_t a1,
                                   uint64_t a2, uint64_t a3)
{
	const uint64_t a[4] = {a0, a1, a2, a3};
	uint64_t r[4] = {0, 0, 0, caller}, rr[4];

	if (kind == EXO_PCT_SEND) {
		uint64_t t0 = exo_rdtsc();
		SH->send_reply = exo_pct_reply(1, 2, 3, 4); /* REPLY is for CALLs */
		SH->send_caller = caller;
		for (int i = 0; i < 4; i++)
			SH->send_args[i] = a[i];
		SH->send_in_pct = exos_env_info(exos_self_id())->in_pct;
		SH->send_started++;
		while (!SH->go) /* no yield: only the timer lets the sender run */
			if (exo_rdtsc() - t0 > tsc_ms(3000)) {
				SH->send_timeouts++;
				break;
			}
		SH->sends++;
		exo_pct_done();
		exit(EXIT_DONE_RETURNED);
	}
	switch (SH->mode) {
	case M_ECHO:
		echo_fn(a, r);
		break;
	case M_WAIT: {
		struct exo_pred_term t = {.op = EXO_PRED_EQ,
		                          .lhs_kind = EXO_OPND_MEM,
		                          .rhs_kind = EXO_OPND_CONST,
		                          .lhs = (uint64_t)&SH->mode,
		                          .rhs = M_WAIT};
		const volatile struct exo_env_info *c = exos_env_info((uint32_t)caller);
		r[0] = (uint64_t)exo_wait(&t, 1);
		r[1] = (uint64_t)exos_sleep_ns(MS);
		r[2] = c->state == EXO_ENV_BLOCKED && c->waiting_for == exos_self_id() &&
		       exos_env_info(exos_self_id())->in_pct == caller;
		break;
	}
	case M_CALLBACK:
		r[0] = (uint64_t)exo_pct_call((int)SH->srv_parent_cap, a, rr);
		break;
	case M_YIELD:
		/* Entered more than once for one call: the kernel restarted us. */
		r[0] = ++SH->yield_entries;
		r[1] = r[0] == 1 ? (uint64_t)exo_yield() : ~0ul;
		r[2] = a0 ^ a1 ^ a2 ^ a3;
		break;
	case M_NEST: {
		const uint64_t na[4] = {2 /* whoami */, a1, 0, 0};
		r[0] = ++SH->nest_entries;
		r[1] = ~0ul;
		if (r[0] == 1) {
			r[1] = (uint64_t)exo_pct_call((int)SH->srv_lrpc_cap, na, rr);
			r[2] = rr[0] == SH->server_id && rr[1] == a1;
		}
		break;
	}
	}
	exo_pct_reply(r[0], r[1], r[2], r[3]);
	exit(EXIT_REPLY_RETURNED);
}

/* Registers the entry, then sleeps; each poke wakes it to prove that its
 * main context survived the activations (a canary on its own stack). */
static int server(void *arg)
{
	volatile uint64_t canary = 0x5eedc0de12345678ul;
	uint64_t seen = 0;

	(void)arg;
	if (exos_map_range(SRV_STACK, STACK_PAGES, EXO_PTE_W | EXO_PTE_NX) < 0 ||
	    exo_pct_entry(EXO_CAP_SELF, (const void *)server_entry, STACK_TOP(SRV_STACK)) < 0)
		return 10;
	for (;;) {
		if (exos_wait_word(&SH->poke, EXO_PRED_NE, seen, 0) < 0)
			return 11;
		if (SH->srv_stop)
			return canary == 0x5eedc0de12345678ul ? 0 : 12;
		seen = SH->poke;
		SH->main_seen = canary == 0x5eedc0de12345678ul ? seen : ~0ul;
	}
}

/* ---- The second client ---- */

static int client(void *arg)
{
	/* It puts the parent's id where a forger would: in a0. */
	const uint64_t a[4] = {SH->parent_id, SH->server_id, 0x8000000000000000ul, ~0ul};
	uint64_t r[4], f[3];
	long e;

	(void)arg;
	while ((e = exo_pct_call((int)SH->client_cap, a, r)) == -EXO_EBUSY)
		exo_yield_to((int)SH->client_cap);
	echo_fn(a, f);
	SH->client_ret = e;
	SH->client_saw = r[3];
	SH->client_words_ok = r[0] == f[0] && r[1] == f[1] && r[2] == f[2];
	return 0;
}

/* ---- The aux child: a callee that misbehaves ---- */

static _Noreturn void aux_entry(uint64_t caller, uint64_t kind, uint64_t a0, uint64_t a1,
                                uint64_t a2, uint64_t a3)
{
	long e;

	(void)caller, (void)kind, (void)a0, (void)a1, (void)a2, (void)a3;
	if (SH->aux_mode == AUX_EXIT)
		exit(3); /* inside the activation, while the caller waits */
	SH->aux_stranded = exo_rdtsc() | 1;
	e = exo_pct_done(); /* in a CALL activation */
	SH->aux_stranded = 0;
	exo_pct_reply((uint64_t)e, 0, 0, 0);
	exit(EXIT_REPLY_RETURNED);
}

/* Its main context is a watchdog: if DONE did end a CALL activation, our
 * caller would wait forever; exiting gives it -EPIPE instead. */
static int aux(void *arg)
{
	(void)arg;
	if (exos_map_range(AUX_STACK, STACK_PAGES, EXO_PTE_W | EXO_PTE_NX) < 0 ||
	    exo_pct_entry(EXO_CAP_SELF, (const void *)aux_entry, STACK_TOP(AUX_STACK)) < 0)
		return 10;
	for (;;) {
		uint64_t t;
		exos_wait_word(&SH->aux_stop, EXO_PRED_NE, 0, 20 * MS);
		if (SH->aux_stop)
			return 0;
		t = SH->aux_stranded;
		if (t && exo_rdtsc() - t > tsc_ms(500))
			return EXIT_STRANDED;
	}
}

/* ---- The LRPC child ---- */

static void p_add(uint32_t caller, const uint64_t a[3], uint64_t r[4])
{
	(void)caller;
	r[0] = a[0] + a[1];
}

static void p_mul(uint32_t caller, const uint64_t a[3], uint64_t r[4])
{
	(void)caller;
	r[0] = a[0] * a[1];
}

static void p_who(uint32_t caller, const uint64_t a[3], uint64_t r[4])
{
	r[0] = caller;
	r[1] = a[0];
}

static const exos_lrpc_proc procs[] = {p_add, p_mul, p_who, 0};

static int lrpc_server(void *arg)
{
	(void)arg;
	if (exos_lrpc_serve(procs, sizeof(procs) / sizeof(procs[0])) < 0)
		return 10;
	return exos_lrpc_park(&SH->lrpc_stop) < 0 ? 11 : 0;
}

/* ---- The parent ---- */

static uint32_t self;

/* A call that retries while the callee is busy with a SEND activation. */
static long call(int cap, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t r[4])
{
	const uint64_t a[4] = {a0, a1, a2, a3};
	long e;

	for (int i = 0; (e = exo_pct_call(cap, a, r)) == -EXO_EBUSY && i < 100000; i++)
		exo_yield_to(cap);
	return e;
}

/* Spawns fn stopped, shares the page, starts it; returns its id or -1. */
static long spawn(int (*fn)(void *), const char *name, int start)
{
	long id = exos_env_spawn_shared(fn, 0, name, SHARED, 1);

	if (id <= 0)
		return -1;
	if (start && exos_env_start((uint32_t)id) < 0)
		return -1;
	return id;
}

/* Waits (yielding to it) until the child has registered its PCT entry. */
static int entry_ready(uint32_t id)
{
	uint64_t t0 = exo_rdtsc();
	int cap = (int)exos_env_cap(id);

	while (!exos_env_info(id)->pct_entry) {
		if (exo_rdtsc() - t0 > tsc_ms(5000) || exos_env_info(id)->state == EXO_ENV_EXITED)
			return 0;
		exo_yield_to(cap);
	}
	return 1;
}

/* exos_env_wait with a deadline: a child still running after 5 s is killed
 * and reported as -1. */
static long wait_child(uint32_t id)
{
	uint64_t t0 = exo_rdtsc();
	const volatile struct exo_env_info *e = exos_env_info(id);

	while (e->id == id && e->state != EXO_ENV_EXITED && e->state != EXO_ENV_FREE) {
		if (exo_rdtsc() - t0 > tsc_ms(5000)) {
			exos_env_kill(id);
			return -1;
		}
		exo_yield();
	}
	return exos_env_wait(id);
}

/* Wakes the server's main context; 1 if it answered with an intact canary. */
static int poke_server(void)
{
	uint64_t v = SH->poke + 1;

	SH->poke = v;
	exos_wait_word(&SH->main_seen, EXO_PRED_EQ, v, 2000 * MS);
	return SH->main_seen == v;
}

static uint64_t rng = 0x243f6a8885a308d3ul;

static uint64_t next_word(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Word k of ping i: zeros, all ones, single high bits, patterns, random. */
static uint64_t ping_word(int i, int k)
{
	switch (i % 8) {
	case 0:
		return 0;
	case 1:
		return ~0ul;
	case 2:
		return 1ul << (63 - k);
	case 3:
		return 0x8000000000000001ul ^ ((uint64_t)i << (8 * k));
	case 4:
		return (uint64_t)i * (uint64_t)(k + 1);
	default:
		return next_word();
	}
}

static void pingpong(int cap)
{
	int ok = 0, bad_err = 0, bad_words = 0, bad_caller = 0;

	SH->mode = M_ECHO;
	for (int i = 0; i < NPINGS; i++) {
		uint64_t a[4], r[4], f[3];
		for (int k = 0; k < 4; k++)
			a[k] = ping_word(i, k);
		long e = call(cap, a[0], a[1], a[2], a[3], r);
		echo_fn(a, f);
		if (e)
			bad_err++;
		else if (r[0] != f[0] || r[1] != f[1] || r[2] != f[2])
			bad_words++;
		else if (r[3] != self)
			bad_caller++;
		else
			ok++;
	}
	CHECK(ok == NPINGS,
	      "%d calls with varied words: %d ok, %d errors, %d wrong words, %d wrong caller",
	      NPINGS, ok, bad_err, bad_words, bad_caller);
	CHECK(poke_server(), "the server's main context slept through them, intact");
}

static void identity(int scap, long sid)
{
	uint64_t r[4];
	long cid, ccap;

	SH->mode = M_ECHO;
	RET(call(scap, sid, 0, 0, 0, r), 0, "call with the server's id in a0");
	CHECK(r[3] == self, "the server still sees our id as the caller");
	RET(call(scap, 0, 0, 0, 0, r), 0, "call with 0 in a0");
	CHECK(r[3] == self, "again our id");

	cid = spawn(client, "client", 0);
	ccap = cid > 0 ? exos_env_cap((uint32_t)cid) : -1;
	CHECK(cid > 0 && ccap > 0, "spawned a second client");
	SH->client_cap = (uint64_t)exo_cap_grant(scap, (int)ccap, EXO_RIGHT_CALL);
	CHECK((long)SH->client_cap > 0, "granted it a capability for the server: CALL only");
	RET(exos_env_start((uint32_t)cid), 0, "started it");
	RET(wait_child((uint32_t)cid), 0, "the client exited");
	CHECK(SH->client_ret == 0 && SH->client_words_ok, "its call returned the right words");
	CHECK(SH->client_saw == (uint64_t)cid,
	      "the server saw the client's id, though our id was in its a0");
	CHECK(SH->client_saw != self, "and not ours");
}

static void async_send(int scap)
{
	uint64_t r[4], before = SH->sends;
	long e;
	int ok = 0;

	SH->go = 0;
	SH->send_started = 0;
	RET(exo_pct_send(scap, 11, 22, 33, 44), 0, "SEND to the server returns");
	/* The activation spins until go is set, without yielding: we only run
	 * again because the timer took the CPU from it, with its work half done
	 * (if the tick came before it even began, let it begin). */
	for (uint64_t t0 = exo_rdtsc(); !SH->send_started && exo_rdtsc() - t0 < tsc_ms(2000);)
		exo_yield_to(scap);
	CHECK(SH->send_started == 1 && SH->sends == before,
	      "the activation began and has not finished: we run meanwhile");
	CHECK(exos_env_info((uint32_t)SH->server_id)->in_pct == self,
	      "the exported table shows the server in an activation for us");
	ERR(exo_pct_call(scap, (uint64_t[4]){0}, r), EXO_EBUSY, "CALL while it is busy");
	ERR(exo_pct_send(scap, 0, 0, 0, 0), EXO_EBUSY, "SEND while it is busy");
	SH->go = 1;
	RET(exos_wait_word(&SH->sends, EXO_PRED_NE, before, 2000 * MS), 0,
	    "sleep until the counter changes");
	CHECK(SH->sends == before + 1 && !SH->send_timeouts,
	      "the activation bumped the counter once");
	CHECK(SH->send_caller == self, "it saw our id as the caller");
	CHECK(SH->send_args[0] == 11 && SH->send_args[1] == 22 && SH->send_args[2] == 33 &&
	              SH->send_args[3] == 44,
	      "and our four words");
	CHECK(SH->send_in_pct == self, "inside, its exported in_pct was our id");
	CHECK(SH->send_reply == -EXO_EINVAL, "REPLY inside a SEND activation -> %ld (%s)",
	      (long)SH->send_reply, exos_strerror(SH->send_reply));

	before = SH->sends;
	for (int i = 0; i < NSENDS; i++) {
		for (int k = 0;
		     (e = exo_pct_send(scap, (uint64_t)i, 0, 0, 0)) == -EXO_EBUSY && k < 100000;
		     k++)
			exo_yield_to(scap);
		ok += e == 0;
	}
	for (int k = 0; k < 100 && SH->sends != before + NSENDS; k++)
		exos_wait_word(&SH->sends, EXO_PRED_EQ, before + NSENDS, 20 * MS);
	CHECK(ok == NSENDS && SH->sends == before + NSENDS, "%d more SENDs: %d ok, counter +%lu",
	      NSENDS, ok, (unsigned long)(SH->sends - before));
	CHECK(SH->send_args[0] == NSENDS - 1, "the last one carried its own word");
}

static void errors(int scap, long pcap)
{
	uint64_t r[4], zero[4] = {0};
	long nocall, idle, icap;

	ERR(exo_pct_call(4000, zero, r), EXO_EBADF, "CALL an empty slot");
	ERR(exo_pct_call(EXO_CAP_SLOTS, zero, r), EXO_EBADF, "CALL a slot out of range");
	ERR(exo_pct_send(4000, 0, 0, 0, 0), EXO_EBADF, "SEND to an empty slot");
	ERR(exo_pct_call((int)pcap, zero, r), EXO_EINVAL, "CALL a page capability");
	nocall = exo_cap_grant(scap, EXO_CAP_SELF, EXO_RIGHTS_ALL & ~EXO_RIGHT_CALL);
	CHECK(nocall > 0, "derived a capability for the server with every right but CALL");
	ERR(exo_pct_call((int)nocall, zero, r), EXO_EPERM, "CALL with it");
	ERR(exo_pct_send((int)nocall, 0, 0, 0, 0), EXO_EPERM, "SEND with it");
	RET(exo_cap_release((int)nocall), 0, "released it");
	ERR(exo_pct_call(EXO_CAP_SELF, zero, r), EXO_EINVAL, "CALL ourselves");
	ERR(exo_pct_send(EXO_CAP_SELF, 0, 0, 0, 0), EXO_EINVAL, "SEND to ourselves");

	idle = spawn(server, "idle", 0);
	icap = idle > 0 ? exos_env_cap((uint32_t)idle) : -1;
	CHECK(idle > 0 && icap > 0, "spawned a child that never starts (no entry registered)");
	ERR(exo_pct_call((int)icap, zero, r), EXO_EINVAL, "CALL it");
	RET(exos_env_kill((uint32_t)idle), 0, "killed it");

	ERR(exo_syscall6(EXO_SYS_PCT, scap, 99, 0, 0, 0, 0), EXO_EINVAL, "PCT kind 99");
	ERR(exo_syscall6(EXO_SYS_PCT, scap, 0, 0, 0, 0, 0), EXO_EINVAL, "PCT kind 0");
	ERR(exo_pct_reply(1, 2, 3, 4), EXO_EINVAL, "REPLY outside an activation");
	ERR(exo_pct_done(), EXO_EINVAL, "DONE outside an activation");

	ERR(exo_pct_entry(EXO_CAP_SELF, (const void *)server_entry, STACK_TOP(OWN_STACK) - 8),
	    EXO_EINVAL, "PCT_ENTRY with a misaligned stack");
	ERR(exo_pct_entry(EXO_CAP_SELF, (const void *)server_entry, 8), EXO_EINVAL,
	    "PCT_ENTRY with a stack below 16");
	ERR(exo_pct_entry(EXO_CAP_SELF, (const void *)EXO_USER_TOP, STACK_TOP(OWN_STACK)),
	    EXO_EINVAL, "PCT_ENTRY with an entry outside user space");
	ERR(exo_pct_entry(4000, (const void *)server_entry, STACK_TOP(OWN_STACK)), EXO_EBADF,
	    "PCT_ENTRY for an empty slot");
	CHECK(!exos_env_info(self)->pct_entry, "we still have no entry");

	/* Inside an activation. */
	SH->mode = M_WAIT;
	RET(call(scap, 0, 0, 0, 0, r), 0, "call the server: it tries to sleep");
	CHECK((long)r[0] == -EXO_EBUSY, "WAIT inside an activation -> %ld (%s)", (long)r[0],
	      exos_strerror((long)r[0]));
	CHECK((long)r[1] == -EXO_EBUSY, "a clock sleep inside an activation -> %ld (%s)",
	      (long)r[1], exos_strerror((long)r[1]));
	CHECK(r[2] == 1, "it saw us BLOCKED waiting for it, and itself in an activation for us");

	/* A callee blocked in its own call takes no call: ours, back from the
	 * server while we wait for it, even with an entry registered. */
	CHECK(exos_map_range(OWN_STACK, STACK_PAGES, EXO_PTE_W | EXO_PTE_NX) == 0 &&
	              exo_pct_entry(EXO_CAP_SELF, (const void *)server_entry,
	                            STACK_TOP(OWN_STACK)) == 0,
	      "registered an entry of our own");
	SH->srv_parent_cap = (uint64_t)exo_cap_grant(EXO_CAP_SELF, scap, EXO_RIGHT_CALL);
	CHECK((long)SH->srv_parent_cap > 0, "granted the server a CALL capability for us");
	SH->mode = M_CALLBACK;
	RET(call(scap, 0, 0, 0, 0, r), 0, "call the server: it calls us back");
	CHECK((long)r[0] == -EXO_EBUSY, "CALL into its blocked caller -> %ld (%s)", (long)r[0],
	      exos_strerror((long)r[0]));
	RET(exo_pct_entry(EXO_CAP_SELF, 0, 0), 0, "unregistered our entry");
}

static long lrpc_start(void)
{
	uint64_t r[4];
	long lid, lcap;

	SH->lrpc_stop = 0;
	lid = spawn(lrpc_server, "lrpc", 1);
	lcap = lid > 0 ? exos_env_cap((uint32_t)lid) : -1;
	CHECK(lid > 0 && lcap > 0 && entry_ready((uint32_t)lid),
	      "spawned an LRPC server (add, mul, whoami, a NULL slot)");
	RET(exos_lrpc_call((int)lcap, 0, 1000, 234, 0, 0), 1234, "lrpc add(1000, 234)");
	RET(exos_lrpc_call((int)lcap, 0, ~0ul, 1, 0, 0), 0, "lrpc add(~0, 1)");
	RET(exos_lrpc_call((int)lcap, 1, 12, 11, 0, 0), 132, "lrpc mul(12, 11)");
	CHECK(exos_lrpc_call((int)lcap, 2, 77, 0, 0, r) == (long)self && r[0] == self && r[1] == 77,
	      "lrpc whoami: our id, vouched for by the kernel");
	ERR(exos_lrpc_call((int)lcap, 3, 0, 0, 0, 0), EXO_ENOSYS, "lrpc the NULL procedure");
	ERR(exos_lrpc_call((int)lcap, 99, 0, 0, 0, 0), EXO_ENOSYS, "lrpc procedure 99");
	return lid;
}

static void lrpc_stop(long lid)
{
	SH->lrpc_stop = 1;
	RET(wait_child((uint32_t)lid), 0, "set the stop word: the LRPC server exited");
}

static long spawn_aux(uint64_t mode)
{
	long aid;

	SH->aux_mode = mode;
	SH->aux_stop = 0;
	aid = spawn(aux, "aux", 1);
	return aid > 0 && exos_env_cap((uint32_t)aid) > 0 && entry_ready((uint32_t)aid) ? aid : -1;
}

static void dead_targets(long sid, int scap)
{
	uint64_t r[4];
	long aid, acap;

	RET(exos_env_kill((uint32_t)sid), 0, "killed the server");
	CHECK(exos_env_info((uint32_t)sid)->state == EXO_ENV_EXITED &&
	              exos_env_info((uint32_t)sid)->status == EXO_STATUS_DESTROYED,
	      "it is EXITED, status EXO_STATUS_DESTROYED");
	ERR(exo_pct_call(scap, (uint64_t[4]){0}, r), EXO_EBADF,
	    "CALL with its old capability (revoked when it died)");
	ERR(exo_pct_send(scap, 0, 0, 0, 0), EXO_EBADF, "SEND with it");
	ERR(exo_yield_to(scap), EXO_EBADF, "yield to it");

	aid = spawn_aux(AUX_EXIT);
	acap = aid > 0 ? exos_env_cap((uint32_t)aid) : -1;
	CHECK(aid > 0, "spawned a callee that exits inside its activation");
	ERR(call((int)acap, 0, 0, 0, 0, r), EXO_EPIPE, "call it: it exits(3) while we wait");
	RET(wait_child((uint32_t)aid), 3, "its status");
	ERR(exo_pct_call((int)acap, (uint64_t[4]){0}, r), EXO_EBADF, "CALL it again");

	/* DONE would end a CALL activation without a reply, leaving the caller
	 * blocked for good: it must be refused, like REPLY in a SEND. */
	aid = spawn_aux(AUX_DONE);
	acap = aid > 0 ? exos_env_cap((uint32_t)aid) : -1;
	CHECK(aid > 0, "spawned a callee that tries DONE in a CALL activation");
	r[0] = 0;
	RET(call((int)acap, 0, 0, 0, 0, r), 0, "call it (it exits if we are left stranded)");
	CHECK((long)r[0] == -EXO_EINVAL, "DONE inside a CALL activation -> %ld (%s)", (long)r[0],
	      exos_strerror((long)r[0]));
	SH->aux_stop = 1;
	RET(wait_child((uint32_t)aid), 0, "stopped it");
}

static long spawn_server2(void)
{
	long sid;

	SH->poke = SH->main_seen = SH->srv_stop = 0;
	sid = spawn(server, "server2", 1);
	SH->server_id = (uint64_t)sid;
	return sid > 0 && exos_env_cap((uint32_t)sid) > 0 && entry_ready((uint32_t)sid) ? sid : -1;
}

static void stop_server2(long sid)
{
	SH->srv_stop = 1;
	SH->poke++;
	RET(wait_child((uint32_t)sid), 0, "stopped it: its main context exited normally");
}

/* Fresh servers whose activations yield or call out: each activation must
 * resume where it was, and the server's main context stay untouched. */
static void reentry(long lid)
{
	uint64_t r[4];
	long sid, scap;

	sid = spawn_server2();
	scap = sid > 0 ? exos_env_cap((uint32_t)sid) : -1;
	CHECK(sid > 0, "spawned a fresh server");
	SH->mode = M_YIELD;
	SH->yield_entries = 0;
	RET(call((int)scap, 1, 2, 4, 8, r), 0, "call it: it yields inside the activation");
	CHECK(r[0] == 1 && r[1] == 0 && r[2] == 15 && r[3] == self,
	      "the yield returned 0 to the activation, which went on and replied (entered %lu "
	      "time(s))",
	      (unsigned long)r[0]);
	CHECK(poke_server(), "the server's main context is intact after it");
	stop_server2(sid);

	/* A nested call: the server's activation calls the LRPC server, which
	 * sees the server, not us, as its caller. */
	sid = spawn_server2();
	scap = sid > 0 ? exos_env_cap((uint32_t)sid) : -1;
	CHECK(sid > 0, "spawned a fresh server");
	SH->srv_lrpc_cap = (uint64_t)exo_cap_grant((int)exos_env_cap((uint32_t)lid), (int)scap,
	                                           EXO_RIGHT_CALL);
	CHECK((long)SH->srv_lrpc_cap > 0, "granted it a CALL capability for the LRPC server");
	SH->mode = M_NEST;
	SH->nest_entries = 0;
	RET(call((int)scap, 0, 55, 0, 0, r), 0, "call it: it calls the LRPC server (nested)");
	CHECK(r[0] == 1 && r[1] == 0 && r[3] == self,
	      "the nested call returned 0 into the activation, which went on and replied (entered "
	      "%lu time(s))",
	      (unsigned long)r[0]);
	CHECK(r[2] == 1, "the LRPC server saw the server as its caller");
	CHECK(poke_server(), "the server's main context is intact after it");
	stop_server2(sid);
}

int main(void)
{
	long pcap, sid, scap, lid;

	self = exos_self_id();
	pcap = exos_page_map(SHARED, EXO_PTE_W | EXO_PTE_NX);
	CHECK(pcap > 0, "mapped a page to share");
	SH->parent_id = self;
	sid = spawn(server, "server", 1);
	scap = sid > 0 ? exos_env_cap((uint32_t)sid) : -1;
	SH->server_id = (uint64_t)sid;
	CHECK(sid > 0 && scap > 0 && entry_ready((uint32_t)sid),
	      "spawned a server that registered a PCT entry");

	pingpong((int)scap);
	identity((int)scap, sid);
	async_send((int)scap);
	errors((int)scap, pcap);
	lid = lrpc_start();
	dead_targets(sid, (int)scap);
	reentry(lid);
	lrpc_stop(lid);
	return check_done();
}
