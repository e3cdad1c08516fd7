/* --timeout: one deadline for the whole run, from exosim's start to its exit,
 * whatever exosim is blocked in (KVM_RUN, a write to a full stdout pipe, a
 * read of stdin). */
#ifndef HOSTSIM_DEADLINE_H
#define HOSTSIM_DEADLINE_H

#include <linux/kvm.h>
#include <stdbool.h>

/* Arms the deadline seconds from now (no-op if seconds <= 0).  From then on,
 * SIGALRM interrupts any blocking system call once the deadline has passed
 * (EINTR), again every few milliseconds, so a call that starts blocking just
 * after the check cannot miss it. */
void deadline_arm(double seconds);

/* True once the deadline has passed. */
bool deadline_passed(void);

/* Makes the deadline stop KVM_RUN through run->immediate_exit (at once if it
 * has already passed).  NULL stops watching: required before run is unmapped,
 * since the signal keeps repeating after the deadline. */
void deadline_watch(struct kvm_run *run);

#endif
