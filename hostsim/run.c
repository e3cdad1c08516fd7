/* The vCPU loop: every VM exit is counted, and passed to the device that
 * answers it (device.c) or reported.  No device logic lives here. */
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "console.h"
#include "deadline.h"
#include "device.h"
#include "fail.h"
#include "gdb.h"
#include "run.h"
#include "stats.h"

static const char *exception_name(unsigned nr)
{
	static const char *const names[32] = {
	        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF(9)", "#TS",
	        "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE",    "#CP"};
	return nr < 32 && names[nr] ? names[nr] : "?";
}

/* One line saying what happened, one with the registers that explain it. */
static int guest_died(struct vm *vm, const char *what)
{
	console_flush();
	fprintf(stderr, "exosim: guest %s\n", what);
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_vcpu_events ev;
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) == 0 &&
	    ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) == 0) {
		fprintf(stderr,
		        "exosim:   rip=0x%llx rsp=0x%llx rflags=0x%llx cr0=0x%llx cr2=0x%llx "
		        "cr3=0x%llx cs=0x%x",
		        r.rip, r.rsp, r.rflags, s.cr0, s.cr2, s.cr3, s.cs.selector);
		if (ioctl(vm->vcpu_fd, KVM_GET_VCPU_EVENTS, &ev) == 0 &&
		    (ev.exception.injected || ev.exception.pending))
			fprintf(stderr, " last-exception=%s(%u) error=0x%x",
			        exception_name(ev.exception.nr), ev.exception.nr,
			        ev.exception.error_code);
		fputc('\n', stderr);
	}
	return EXOSIM_EXIT_CRASH;
}

/* Port I/O.  Returns DEV_CONTINUE, or the guest's exit status. */
static int handle_io(struct vm *vm)
{
	struct kvm_run *run = vm->run;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	stats_port(run->io.port, out);
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;
	if (run->io.data_offset > vm->run_size || bytes > vm->run_size - run->io.data_offset)
		return guest_died(vm, "made a malformed port access");
	struct dev_access a = {.space = DEV_PORT,
	                       .write = out,
	                       .addr = run->io.port,
	                       .size = run->io.size,
	                       .count = run->io.count,
	                       .data = (uint8_t *)run + run->io.data_offset};
	return device_dispatch(vm, &a);
}

static int handle_mmio(struct vm *vm)
{
	struct kvm_run *run = vm->run;
	if (run->mmio.len == 0 || run->mmio.len > sizeof(run->mmio.data))
		return guest_died(vm, "made a malformed MMIO access");
	struct dev_access a = {.space = DEV_MMIO,
	                       .write = run->mmio.is_write,
	                       .addr = run->mmio.phys_addr,
	                       .size = run->mmio.len,
	                       .count = 1,
	                       .data = run->mmio.data};
	return device_dispatch(vm, &a);
}

static int timed_out(double timeout_s)
{
	console_flush();
	fprintf(stderr, "exosim: timeout: the run took more than %g s\n", timeout_s);
	return EXOSIM_EXIT_TIMEOUT;
}

static int run_loop(struct vm *vm, double timeout_s)
{
	for (;;) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno != EINTR && errno != EAGAIN)
				return guest_died(vm, "could not be run (KVM_RUN failed)");
			if (deadline_passed())
				return timed_out(timeout_s);
			int status = gdb_interrupted(vm); /* gdb's Ctrl-C or a client arriving */
			if (status != DEV_CONTINUE)
				return status;
			continue;
		}
		struct kvm_run *run = vm->run;
		stats_exit(run->exit_reason);
		int status;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if ((status = handle_io(vm)) != DEV_CONTINUE)
				return status;
			break;
		case KVM_EXIT_MMIO:
			if ((status = handle_mmio(vm)) != DEV_CONTINUE)
				return status;
			break;
		case KVM_EXIT_SHUTDOWN:
			return guest_died(vm, "triple-faulted (KVM_EXIT_SHUTDOWN)");
		case KVM_EXIT_HLT:
			return guest_died(vm, "halted for good (hlt with interrupts off)");
		case KVM_EXIT_FAIL_ENTRY:
			return guest_died(vm, "could not be entered (KVM_EXIT_FAIL_ENTRY)");
		case KVM_EXIT_INTERNAL_ERROR:
			/* KVM on PVM emulates ring 0 and cannot emulate gdb's int3 */
			if ((status = gdb_internal_error(vm)) != GDB_NOT_MINE) {
				if (status != DEV_CONTINUE)
					return status;
				break;
			}
			return guest_died(vm, "hit a KVM internal error (emulation failure?)");
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_DEBUG:
			if ((status = gdb_debug_exit(vm)) != DEV_CONTINUE)
				return status;
			break;
		default: {
			char what[64];
			snprintf(what, sizeof(what), "took an unexpected VM exit (reason %u)",
			         run->exit_reason);
			return guest_died(vm, what);
		}
		}
	}
}

int vm_run(struct vm *vm, double timeout_s)
{
	deadline_watch(vm->run);
	int status = gdb_finish(vm, run_loop(vm, timeout_s)); /* a crash stops for gdb */
	deadline_watch(NULL); /* vm->run is unmapped soon; the timer may still fire */
	return status;
}
