// insn_count: a QEMU TCG plugin that counts the guest's instructions, split into ring 0
// and the rest, so that bench/suite.sh can say how many ring-0 instructions each
// benchmark operation costs.  On KVM on PVM every ring-0 instruction is emulated (about
// 300 ns each) while on a VT-x host it runs natively: the count lets a reader predict
// their own figures from ours.
//
// Ring 0 is told by address: the kernel runs at or above EXO_KERNBASE and nothing else
// does (<exo/memlayout.h>).  The 32-bit boot stub, a handful of instructions run before
// paging at low physical addresses, counts as "other".
//
// Arguments (QEMU's -plugin FILE,key=value,...):
//   out=PATH    where to write the counts when QEMU exits (required)
//   begin=ADDR  an instruction (hex) that opens a window: exobench's timed_begin
//   end=ADDR    one that closes it: exobench's timed_end
//   profile=PATH  also write, when QEMU exits, every ring-0 instruction's address and how
//               many times it ran ("ADDR COUNT" lines, hex and decimal, by address), for
//               bench/ring0_profile.sh to sum by kernel function; with begin= and end=,
//               only inside the windows (bench/profile.sh: exobench's timed part)
// Output, one line: total=N ring0=N windows=N window_total=N window_ring0=N, the whole
// run's instructions and the instructions inside the windows (from the first instruction
// of timed_begin to the first of timed_end: the timed part plus a few instructions).
//
// QEMU's plugin header is not packaged on Debian, so the few calls used are declared
// here; their C signatures are the same from QEMU 4.2 to 10.  QEMU_PLUGIN_API_VERSION
// comes from the build (bench/CMakeLists.txt): 1 before QEMU 9, 2 from it on.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/memlayout.h>

#ifndef QEMU_PLUGIN_API_VERSION
#define QEMU_PLUGIN_API_VERSION 1
#endif

// --- the part of <qemu-plugin.h> this plugin uses
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info_t;
enum { QEMU_PLUGIN_CB_NO_REGS = 0 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb)(unsigned int vcpu_index, void *userdata);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, vcpu_udata_cb cb,
                                            int flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *userdata);

#define EXPORT __attribute__((visibility("default")))
EXPORT int qemu_plugin_version = QEMU_PLUGIN_API_VERSION;

// The guest has one vCPU (microvm, no -smp), so plain counters are enough.
static uint64_t total, ring0;
static uint64_t win_total, win_ring0, windows, open_total, open_ring0;
static int window_open;
static uint64_t begin_addr, end_addr;
static char *out_path;

// profile=: a counter per translated ring-0 instruction (a block translated twice gets
// two, summed by address at exit).
struct slot {
	uint64_t va, n;
};
static char *profile_path;
static struct slot **slots;
static size_t nslots, cap_slots;

static void count_other(unsigned int vcpu, void *u)
{
	(void)vcpu, (void)u;
	total++;
}

static void count_ring0(unsigned int vcpu, void *u)
{
	(void)vcpu, (void)u;
	total++;
	ring0++;
}

static void count_ring0_profiled(unsigned int vcpu, void *u)
{
	(void)vcpu;
	total++;
	ring0++;
	if (window_open || !begin_addr) /* with begin= and end=, inside the windows only */
		((struct slot *)u)->n++;
}

// A new counter for the ring-0 instruction at va; NULL if out of memory.
static struct slot *new_slot(uint64_t va)
{
	if (nslots == cap_slots) {
		size_t cap = cap_slots ? 2 * cap_slots : 4096;
		struct slot **s = realloc(slots, cap * sizeof(*s));
		if (!s)
			return NULL;
		slots = s;
		cap_slots = cap;
	}
	struct slot *sl = calloc(1, sizeof(*sl));
	if (sl) {
		sl->va = va;
		slots[nslots++] = sl;
	}
	return sl;
}

static void window_begin(unsigned int vcpu, void *u)
{
	(void)vcpu, (void)u;
	open_total = total;
	open_ring0 = ring0;
	window_open = 1;
}

static void window_end(unsigned int vcpu, void *u)
{
	(void)vcpu, (void)u;
	if (!window_open)
		return; // an end without a begin: nothing to add
	win_total += total - open_total;
	win_ring0 += ring0 - open_ring0;
	windows++;
	window_open = 0;
}

// Each instruction gets its counter once, when its block is translated.
static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	size_t n = qemu_plugin_tb_n_insns(tb);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);
		if (begin_addr && va == begin_addr)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, window_begin,
			                                       QEMU_PLUGIN_CB_NO_REGS, NULL);
		if (end_addr && va == end_addr)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, window_end,
			                                       QEMU_PLUGIN_CB_NO_REGS, NULL);
		struct slot *sl = profile_path && va >= EXO_KERNBASE ? new_slot(va) : NULL;
		if (sl)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, count_ring0_profiled,
			                                       QEMU_PLUGIN_CB_NO_REGS, sl);
		else
			qemu_plugin_register_vcpu_insn_exec_cb(
			        insn, va >= EXO_KERNBASE ? count_ring0 : count_other,
			        QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
}

static int by_va(const void *a, const void *b)
{
	uint64_t x = (*(struct slot *const *)a)->va, y = (*(struct slot *const *)b)->va;
	return x < y ? -1 : x > y;
}

static void write_profile(void)
{
	FILE *f = fopen(profile_path, "w");
	if (!f) {
		fprintf(stderr, "insn_count: cannot write %s\n", profile_path);
		return;
	}
	qsort(slots, nslots, sizeof(*slots), by_va);
	for (size_t i = 0; i < nslots;) {
		uint64_t va = slots[i]->va, n = 0;
		for (; i < nslots && slots[i]->va == va; i++)
			n += slots[i]->n;
		if (n)
			fprintf(f, "%" PRIx64 " %" PRIu64 "\n", va, n);
	}
	fclose(f);
}

static void write_counts(qemu_plugin_id_t id, void *u)
{
	(void)id, (void)u;
	if (profile_path)
		write_profile();
	FILE *f = fopen(out_path, "w");
	if (!f) {
		fprintf(stderr, "insn_count: cannot write %s\n", out_path);
		return;
	}
	fprintf(f,
	        "total=%" PRIu64 " ring0=%" PRIu64 " windows=%" PRIu64 " window_total=%" PRIu64
	        " window_ring0=%" PRIu64 "\n",
	        total, ring0, windows, win_total, win_ring0);
	fclose(f);
}

// arg_is("key=value", "key", &value): 1 if the argument is that key, value after the =.
static int arg_is(const char *arg, const char *key, const char **value)
{
	size_t n = strlen(key);
	if (strncmp(arg, key, n) != 0 || arg[n] != '=')
		return 0;
	*value = arg + n + 1;
	return 1;
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
                               char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		const char *v;
		if (arg_is(argv[i], "out", &v))
			out_path = strdup(v);
		else if (arg_is(argv[i], "begin", &v))
			begin_addr = strtoull(v, NULL, 16);
		else if (arg_is(argv[i], "end", &v))
			end_addr = strtoull(v, NULL, 16);
		else if (arg_is(argv[i], "profile", &v))
			profile_path = strdup(v);
		else {
			fprintf(stderr, "insn_count: unknown argument '%s'\n", argv[i]);
			return -1;
		}
	}
	if (!out_path) {
		fprintf(stderr, "insn_count: no out=PATH\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, write_counts, NULL);
	return 0;
}
