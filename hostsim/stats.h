/* --stats: VM exits by reason and by port, and where the time went. */
#ifndef HOSTSIM_STATS_H
#define HOSTSIM_STATS_H

#include <stdbool.h>
#include <stdint.h>

enum stats_phase { PHASE_START, PHASE_GUEST, PHASE_TEARDOWN, PHASE_END, NPHASES };

double stats_now_ms(void);
void stats_mark(enum stats_phase p); /* records the time phase p begins */
void stats_exit(uint32_t reason);
void stats_port(uint16_t port, bool out);
void stats_bad_request(void);
void stats_print(const char *irqchip);

#endif
