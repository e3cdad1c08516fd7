/* Console devices: COM1 (stdout), the debug port 0xe9 (stderr) and the
 * paravirtual console (either stream, one VM exit per buffer). */
#ifndef HOSTSIM_CONSOLE_H
#define HOSTSIM_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"

void console_port_out(uint16_t port, uint8_t byte); /* COM1 or debug port */
uint8_t console_port_in(uint16_t port);
/* A struct pv_console_req at gpa.  Returns false (writing nothing) if the
 * request is malformed: exosim does not trust the guest. */
bool console_pv_request(const struct guest_mem *mem, uint64_t gpa);
/* A struct pv_console_in at gpa: reads exosim's stdin into the guest.  False
 * if malformed. */
bool console_pv_input(const struct guest_mem *mem, uint64_t gpa);
/* Writes out what the byte-wide ports have buffered; called before exit too. */
void console_flush(void);

#endif
