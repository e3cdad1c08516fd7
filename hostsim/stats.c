/* Counters are plain arrays: a VM exit already costs microseconds, and the
 * counting must add nothing measurable to it.  The output is one
 * "exosim-stats: key=value ..." line per topic, for people and scripts. */
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
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

static uint64_t by_reason[NREASONS], total, bad_requests, unknown_total;

/* Per device and per unknown address: a few distinct keys, found by a scan. */
#define KEYS_MAX 16

static struct {
	const char *device;
	uint64_t n;
} bad_by_device[KEYS_MAX];

static struct {
	bool mmio, write;
	uint64_t addr, n;
} unknown[KEYS_MAX];
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

uint64_t stats_bad_request(const char *device)
{
	bad_requests++;
	for (int i = 0; i < KEYS_MAX; i++) {
		if (!bad_by_device[i].device)
			bad_by_device[i].device = device;
		if (strcmp(bad_by_device[i].device, device) == 0)
			return ++bad_by_device[i].n;
	}
	return bad_requests; /* more devices than slots: counted in the total only */
}

void stats_unknown_io(bool mmio, uint64_t addr, bool write)
{
	unknown_total++;
	for (int i = 0; i < KEYS_MAX; i++) {
		if (!unknown[i].n)
			unknown[i] =
			        (typeof(unknown[i])){.mmio = mmio, .write = write, .addr = addr};
		if (unknown[i].mmio == mmio && unknown[i].write == write &&
		    unknown[i].addr == addr) {
			unknown[i].n++;
			return;
		}
	}
}

static void print_bad_and_unknown(void)
{
	fprintf(stderr, "exosim-stats: bad_guest_requests_by_device");
	for (int i = 0; i < KEYS_MAX && bad_by_device[i].device; i++)
		fprintf(stderr, " %s=%llu", bad_by_device[i].device,
		        (unsigned long long)bad_by_device[i].n);
	fprintf(stderr, "\nexosim-stats: unknown_io=%llu", (unsigned long long)unknown_total);
	for (int i = 0; i < KEYS_MAX && unknown[i].n; i++)
		fprintf(stderr, " %s_%s:0x%llx=%llu", unknown[i].mmio ? "mmio" : "port",
		        unknown[i].write ? "write" : "read", (unsigned long long)unknown[i].addr,
		        (unsigned long long)unknown[i].n);
	fputc('\n', stderr);
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
	fprintf(stderr, "exosim-stats: setup_ms archive=%.3f vm=%.3f load=%.3f\n",
	        marks[PHASE_VM] - marks[PHASE_START], marks[PHASE_LOAD] - marks[PHASE_VM],
	        marks[PHASE_GUEST] - marks[PHASE_LOAD]);
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
	print_bad_and_unknown();
}
