/* The KVM virtual machine: one VM, one vCPU, the LAPIC, guest memory. */
#ifndef HOSTSIM_KVM_H
#define HOSTSIM_KVM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"

struct vm {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	struct guest_mem mem;
	const char *irqchip; /* "split", "full" or "none" */
	uint32_t tsc_khz;    /* 0 if KVM does not say */
	bool noxsave;        /* the guest's ring 0 cannot run XSAVE (KVM-on-PVM) */
};

/* Opens /dev/kvm and creates the VM with mem_size bytes of RAM.  Exits with
 * EXOSIM_EXIT_NOKVM (saying how to fix it) or EXOSIM_EXIT_INTERNAL. */
void vm_create(struct vm *vm, uint64_t mem_size);

/* The guest's TSC now (0 if KVM cannot say): where the kernel's boot-time line
 * starts (exo.tsc_start, docs/boot.md). */
uint64_t vm_guest_tsc(struct vm *vm);

/* Puts the vCPU in the PVH start state: 32-bit protected mode, paging off,
 * flat segments, %ebx = start_info. */
void vm_set_pvh_state(struct vm *vm, uint32_t entry, uint32_t start_info);

void vm_destroy(struct vm *vm);

#endif
