/* The vCPU loop: every VM exit is counted, and handled here or reported. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <hw/exosim_pv.h>

#include "console.h"
#include "fail.h"
#include "run.h"
#include "stats.h"

static volatile sig_atomic_t timed_out;
static struct kvm_run *volatile running;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (running)
		running->immediate_exit = 1; /* KVM_RUN returns EINTR now or at its next entry */
}

static void arm_timeout(struct kvm_run *run, double seconds)
{
	running = run;
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART: interrupt KVM_RUN */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	timer_t t;
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "timer_create: %s", strerror(errno));
	struct itimerspec its = {
	        .it_value = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)}};
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	timer_settime(t, 0, &its, NULL);
}

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

/* Port I/O.  Returns -1 to keep running, or the guest's exit status. */
static int handle_io(struct vm *vm)
{
	struct kvm_run *run = vm->run;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	uint16_t port = run->io.port;
	stats_port(port, out);
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;
	if (run->io.data_offset > vm->run_size || bytes > vm->run_size - run->io.data_offset)
		return guest_died(vm, "made a malformed port access");
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t value = 0;
	memcpy(&value, data, run->io.size < 4 ? run->io.size : 4);

	if (port == PV_EXIT_PORT && out)
		return (int)(value & 0xff);
	if (port == PV_CONSOLE_PORT) {
		if (!out && run->io.size == 4) {
			uint32_t magic = PV_CONSOLE_MAGIC;
			memcpy(data, &magic, 4);
		} else if (out && run->io.size == 4 && !console_pv_request(&vm->mem, value)) {
			stats_bad_request();
		}
		return -1;
	}
	if (port == PV_CONSOLE_IN_PORT && out) {
		if (run->io.size != 4 || !console_pv_input(&vm->mem, value))
			stats_bad_request();
		return -1;
	}
	for (uint32_t i = 0; i < run->io.count; i++) {
		uint8_t *d = data + (size_t)i * run->io.size;
		if (out)
			console_port_out(port, d[0]);
		else /* unassigned ports read as all ones, as on real hardware */
			memset(d,
			       port == PV_COM1_PORT + 5 || port == PV_DEBUGCON_PORT
			               ? console_port_in(port)
			               : 0xff,
			       run->io.size);
	}
	return -1;
}

static void handle_mmio(struct kvm_run *run)
{
	/* No MMIO devices yet: reads return all ones, writes are dropped. */
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
}

int vm_run(struct vm *vm, double timeout_s)
{
	if (timeout_s > 0)
		arm_timeout(vm->run, timeout_s);
	for (;;) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno != EINTR && errno != EAGAIN)
				return guest_died(vm, "could not be run (KVM_RUN failed)");
			if (timed_out) {
				console_flush();
				fprintf(stderr,
				        "exosim: timeout: the guest ran for more than %g s\n",
				        timeout_s);
				return EXOSIM_EXIT_TIMEOUT;
			}
			continue;
		}
		struct kvm_run *run = vm->run;
		stats_exit(run->exit_reason);
		int status;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if ((status = handle_io(vm)) >= 0)
				return status;
			break;
		case KVM_EXIT_MMIO:
			handle_mmio(run);
			break;
		case KVM_EXIT_SHUTDOWN:
			return guest_died(vm, "triple-faulted (KVM_EXIT_SHUTDOWN)");
		case KVM_EXIT_HLT:
			return guest_died(vm, "halted for good (hlt with interrupts off)");
		case KVM_EXIT_FAIL_ENTRY:
			return guest_died(vm, "could not be entered (KVM_EXIT_FAIL_ENTRY)");
		case KVM_EXIT_INTERNAL_ERROR:
			return guest_died(vm, "hit a KVM internal error (emulation failure?)");
		case KVM_EXIT_INTR:
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
