/* bpf_bench: what the eBPF packet filters (lib/bpf.h, apps/filters) cost per packet.
 *
 *   bpf_bench FILTER_DIR [RUNS]
 *
 * For each example filter and a few frames (one it matches, ones it refuses early and
 * late), prints a Markdown table: the filter instructions run, the x86 instructions the
 * interpreter executes for them (counted exactly by single-stepping one call under
 * ptrace: this host has no hardware counters), x86 per filter instruction, and the ns
 * per packet on the host (median of 11 batches of RUNS packets, default 200000). The
 * interpreter here is lib/bpf_run.c compiled with the kernel's flags, so its x86
 * instructions are the ones the kernel runs in ring 0, at about 275 ns each under KVM
 * on PVM (DESIGN.md section 3): the last column is that estimate. A second table gives
 * the same for the verifier, which the kernel runs once per installed filter. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf.h"
#include "bpf_obj.h"
#include "params.h"

#define RING0_NS_PER_INSN 275.0

static struct bpf_verifier ver;

/* --- counting x86 instructions by single-stepping --- */

/* The window: the tracer counts the steps between these two addresses. */
__attribute__((noinline)) static void window_begin(void)
{
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void window_end(void)
{
	__asm__ volatile("" ::: "memory");
}

/* The x86 instructions fn(arg) executes (with its call and return), or -1. */
static long count_insns(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		window_begin();
		fn(arg);
		window_end();
		_exit(0);
	}
	long steps = 0;
	int status, inside = 0;
	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status))
		return -1;
	for (;;) {
		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) < 0 || waitpid(pid, &status, 0) < 0)
			return -1;
		if (!WIFSTOPPED(status))
			break;
		struct user_regs_struct regs;
		if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) < 0)
			return -1;
		if (regs.rip == (uintptr_t)window_begin)
			inside = 1, steps = 0;
		else if (regs.rip == (uintptr_t)window_end && inside) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return steps;
		} else
			steps += inside;
	}
	return -1; /* exited without reaching the window's end */
}

static void nothing(void *arg)
{
	__asm__ volatile("" : : "r"(arg) : "memory");
}

/* --- the filters and frames --- */

struct run_arg {
	const struct bpf_insn *prog;
	const uint8_t *pkt;
	size_t len;
	const struct bpf_insn *raw;
	size_t n;
	uint64_t result;
};

static void run_once(void *p)
{
	struct run_arg *a = p;
	a->result = bpf_run(a->prog, a->pkt, a->len);
}

static void verify_once(void *p)
{
	struct run_arg *a = p;
	static struct bpf_insn out[BPF_MAX_INSNS];
	a->result = (uint64_t)bpf_verify(a->raw, a->n, out, &ver);
}

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median ns per call of fn(arg) over 11 batches of runs calls. */
static double time_ns(void (*fn)(void *), void *arg, long runs)
{
	double t[11];
	for (int b = 0; b < 11; b++) {
		double start = now_ns();
		for (long i = 0; i < runs; i++)
			fn(arg);
		t[b] = (now_ns() - start) / (double)runs;
	}
	qsort(t, 11, sizeof(t[0]), cmp_double);
	return t[5];
}

static struct bpf_insn *load(const char *dir, const char *name, size_t *n)
{
	char path[4096];
	static uint8_t buf[1 << 16];
	snprintf(path, sizeof(path), "%s/%s.o", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bpf_bench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	size_t len = fread(buf, 1, sizeof(buf), f), off;
	fclose(f);
	int err = bpf_obj_code(buf, len, NULL, &off, n);
	if (err) {
		fprintf(stderr, "bpf_bench: %s: %s\n", path, bpf_obj_strerror(err));
		exit(1);
	}
	struct bpf_insn *p = malloc(*n * sizeof(*p));
	memcpy(p, buf + off, *n * sizeof(*p));
	/* 10.0.2.15, port 7, MAC 52:54:00:ab:cd:ef */
	bpf_obj_patch(p, *n, FILTER_PARAM_IP, 0x0f02000a);
	bpf_obj_patch(p, *n, FILTER_PARAM_PORT, 0x0700);
	bpf_obj_patch(p, *n, FILTER_PARAM_MAC_LO, 0xab005452);
	bpf_obj_patch(p, *n, FILTER_PARAM_MAC_HI, 0xefcd);
	return p;
}

/* Frames: ARP request for 10.0.2.15, ICMP echo to it, UDP to port 7, and a TCP
 * segment; all from 52:54:00:ab:cd:ef. */
static const uint8_t arp_req[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef,
        10,   0,    2,    2,    0,    0,    0,    0,    0,    0,    10,   0,    2,    15};
static const uint8_t icmp_echo[42] = {
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef, 0x08, 0x00,
        0x45, 0x00, 0x00, 28,   0x00, 0x01, 0x40, 0x00, 64,   1,    0,    0,    10,   0,
        2,    2,    10,   0,    2,    15,   8,    0,    0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00};
static const uint8_t udp7[46] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52, 0x54, 0x00, 0xab,
                                 0xcd, 0xef, 0x08, 0x00, 0x45, 0x00, 0x00, 32,   0x00, 0x01,
                                 0x40, 0x00, 64,   17,   0,    0,    10,   0,    2,    2,
                                 10,   0,    2,    15,   0x30, 0x39, 0x00, 0x07, 0x00, 12,
                                 0,    0,    'e',  'c',  'h',  'o'};
static const uint8_t tcp[54] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52, 0x54, 0x00, 0xab,
                                0xcd, 0xee, 0x08, 0x00, 0x45, 0x00, 0x00, 40,   0x00, 0x01,
                                0x40, 0x00, 64,   6,    0,    0,    10,   0,    2,    2,
                                10,   0,    2,    15,   0x30, 0x39, 0x00, 0x07};

struct frame {
	const char *name;
	const uint8_t *p;
	size_t len;
};

static const struct frame frames[] = {
        {"ARP request", arp_req, sizeof(arp_req)},
        {"ICMP echo", icmp_echo, sizeof(icmp_echo)},
        {"UDP to 7", udp7, sizeof(udp7)},
        {"TCP", tcp, sizeof(tcp)},
};

int main(int argc, char **argv)
{
	static const char *const names[] = {"arp", "icmp_echo", "udp_port", "from_mac"};
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bpf_bench FILTER_DIR [RUNS]\n");
		return 2;
	}
	long runs = argc == 3 ? atol(argv[2]) : 200000;
	if (runs <= 0) {
		fprintf(stderr, "bpf_bench: bad RUNS %s\n", argv[2]);
		return 2;
	}
	struct run_arg vargs[4];
	/* the window's own instructions, calling a function that does nothing */
	long base = count_insns(nothing, NULL);
	if (base < 0) {
		fprintf(stderr, "bpf_bench: cannot single-step a child (ptrace): %s\n",
		        strerror(errno));
		return 1;
	}

	printf("| filter | frame | r0 | filter insns | x86 insns | x86 per filter insn | ns/packet "
	       "(host) | ring-0 estimate (µs) |\n|---|---|---|---|---|---|---|---|\n");
	for (size_t f = 0; f < 4; f++) {
		size_t n;
		struct bpf_insn *raw = load(argv[1], names[f], &n);
		struct bpf_insn *prog = malloc(n * sizeof(*prog));
		if (bpf_verify(raw, n, prog, &ver)) {
			char msg[128];
			fprintf(stderr, "bpf_bench: %s: %s\n", names[f],
			        bpf_describe(&ver, msg, 128));
			return 1;
		}
		vargs[f] = (struct run_arg){.raw = raw, .n = n};
		for (size_t k = 0; k < sizeof(frames) / sizeof(frames[0]); k++) {
			struct run_arg a = {.prog = prog, .pkt = frames[k].p, .len = frames[k].len};
			uint64_t count = 0;
			uint64_t r = bpf_run_counted(prog, a.pkt, a.len, &count);
			long x86 = count_insns(run_once, &a) - base;
			double ns = time_ns(run_once, &a, runs);
			printf("| %s (%zu) | %s | %llu | %llu | %ld | %.1f | %.1f | %.1f |\n",
			       names[f], n, frames[k].name, (unsigned long long)r,
			       (unsigned long long)count, x86,
			       count ? (double)x86 / (double)count : 0.0, ns,
			       x86 * RING0_NS_PER_INSN / 1000.0);
		}
		free(prog);
	}
	printf("\n| verifying | filter insns | x86 insns | x86 per filter insn | ns (host) | "
	       "ring-0 estimate (µs) |\n|---|---|---|---|---|---|\n");
	for (size_t f = 0; f < 4; f++) {
		long x86 = count_insns(verify_once, &vargs[f]) - base;
		double ns = time_ns(verify_once, &vargs[f], runs / 10 + 1);
		printf("| %s | %zu | %ld | %.1f | %.1f | %.1f |\n", names[f], vargs[f].n, x86,
		       (double)x86 / (double)vargs[f].n, ns, x86 * RING0_NS_PER_INSN / 1000.0);
		free((void *)vargs[f].raw);
	}
	return 0;
}
