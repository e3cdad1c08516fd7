/* Running the vCPU until the guest exits, dies or times out. */
#ifndef HOSTSIM_RUN_H
#define HOSTSIM_RUN_H

#include "kvm.h"

/* Returns the guest's exit status, or an exosim status (EXOSIM_EXIT_TIMEOUT,
 * EXOSIM_EXIT_CRASH) after printing one line and a register dump.
 * timeout_s <= 0 means no timeout. */
int vm_run(struct vm *vm, double timeout_s);

#endif
