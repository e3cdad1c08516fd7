/* exosim's own signal dispositions, and the ones its caller left it. */
#ifndef HOSTSIM_HOST_SIGNALS_H
#define HOSTSIM_HOST_SIGNALS_H

#include <stdint.h>

/* Records which signals exosim was started with ignored (a Linux program
 * exec'd in its place would start with them ignored too: ExOS is told, see
 * initramfs.c), then ignores SIGPIPE: a closed stdout must be an EPIPE that
 * reaches the guest's write(), not exosim's death.  Call first in main. */
void host_signals_init(void);

/* The signals ignored at start: bit sig-1 for signal sig, as a Linux sigset. */
uint64_t host_signals_inherited_ignored(void);

#endif
