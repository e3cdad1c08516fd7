/* Running the vCPU until the guest exits, dies or times out. */
#ifndef HOSTSIM_RUN_H
#define HOSTSIM_RUN_H

#include "kvm.h"

/* Runs the vCPU, passing port and MMIO exits to the registered devices
 * (device.h; devices_setup first).  Returns the guest's exit status, or an
 * exosim status after one line: EXOSIM_EXIT_TIMEOUT once the deadline armed
 * by deadline_arm (the whole run's) has passed, saying timeout_s;
 * EXOSIM_EXIT_CRASH with a register dump. */
int vm_run(struct vm *vm, double timeout_s);

#endif
