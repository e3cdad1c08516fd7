/* --stats: VM exits by reason and by port, and where the time went. */
#ifndef HOSTSIM_STATS_H
#define HOSTSIM_STATS_H

#include <stdbool.h>
#include <stdint.h>

/* Where exosim's own time goes: PHASE_START..PHASE_GUEST is time_setup_ms, split
 * into the archive (reading and packing the files), the VM (KVM, guest RAM, the
 * devices) and loading (the kernel ELF, the archive and boot data into guest RAM). */
enum stats_phase {
	PHASE_START,
	PHASE_VM,    /* the archive is built */
	PHASE_LOAD,  /* the VM exists */
	PHASE_GUEST, /* the kernel and boot data are in place: the vCPU runs */
	PHASE_TEARDOWN,
	PHASE_END,
	NPHASES
};

double stats_now_ms(void);
void stats_mark(enum stats_phase p); /* records the time phase p begins */
void stats_exit(uint32_t reason);
void stats_port(uint16_t port, bool out);
/* A refused guest request, by the device that refused it; returns how many
 * that device has refused so far (1 the first time). */
uint64_t stats_bad_request(const char *device);
/* An access no device answers: a port, or an MMIO address. */
void stats_unknown_io(bool mmio, uint64_t addr, bool write);
void stats_print(const char *irqchip);

#endif
