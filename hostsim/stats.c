/* Counters are plain arrays: a VM exit already costs microseconds, and the
 * counting must add nothing measurable to it.  The output is one
 * "exosim-stats: key=value ..." line per topic, for people and scripts. */
#include <linux/kvm.h>
#include <stdio.h>
#include <time.h>

#include "stats.h"

#define NREASONS 64

static const char *const reason_names[NREASONS] = {
        [KVM_EXIT_UNKNOWN] = "unknown",
        [KVM_EXIT_EXCEPTION] = "exception",
        [KVM_EXIT_IO] = "io",
        [KVM_EXIT_HYPERCALL] = "hypercall",
        [KVM_EXIT_DEBUG] = "debug",
        [KVM_EXIT_HLT] = "hlt",
        [KVM_EXIT_MMIO] = "mmio",
        [KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
        [KVM_EXIT_SHUTDOWN] = "shutdown",
        [KVM_EXIT_FAIL_ENTRY] = "fail_entry",
        [KVM_EXIT_INTR] = "intr",
        [KVM_EXIT_SET_TPR] = "set_tpr",
        [KVM_EXIT_INTERNAL_ERROR] = "internal_error",
        [KVM_EXIT_SYSTEM_EVENT] = "system_event",
        [KVM_EXIT_IOAPIC_EOI] = "ioapic_eoi",
};

static uint64_t by_reason[NREASONS], total, bad_requests;
static uint32_t port_in[65536], port_out[65536];
static double marks[NPHASES];

double stats_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void stats_mark(enum stats_phase p)
{
	marks[p] = stats_now_ms();
}

void stats_exit(uint32_t reason)
{
	total++;
	by_reason[reason < NREASONS ? reason : 0]++;
}

void stats_port(uint16_t port, bool out)
{
	(out ? port_out : port_in)[port]++;
}

void stats_bad_request(void)
{
	bad_requests++;
}

static void print_ports(const char *dir, const uint32_t *counts)
{
	for (int p = 0; p < 65536; p++)
		if (counts[p])
			fprintf(stderr, " %s:0x%x=%u", dir, p, counts[p]);
}

void stats_print(const char *irqchip)
{
	fprintf(stderr,
	        "exosim-stats: time_setup_ms=%.3f time_guest_ms=%.3f time_teardown_ms=%.3f "
	        "time_total_ms=%.3f\n",
	        marks[PHASE_GUEST] - marks[PHASE_START], marks[PHASE_TEARDOWN] - marks[PHASE_GUEST],
	        marks[PHASE_END] - marks[PHASE_TEARDOWN], marks[PHASE_END] - marks[PHASE_START]);
	fprintf(stderr, "exosim-stats: exits_total=%llu bad_guest_requests=%llu irqchip=%s\n",
	        (unsigned long long)total, (unsigned long long)bad_requests, irqchip);
	fprintf(stderr, "exosim-stats: exits_by_reason");
	for (int r = 0; r < NREASONS; r++)
		if (by_reason[r])
			fprintf(stderr, " %s=%llu", reason_names[r] ? reason_names[r] : "other",
			        (unsigned long long)by_reason[r]);
	fprintf(stderr, "\nexosim-stats: exits_by_port");
	print_ports("out", port_out);
	print_ports("in", port_in);
	fputc('\n', stderr);
}
