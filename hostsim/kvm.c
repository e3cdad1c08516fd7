/* Creating the VM.  The split irqchip (the LAPIC in KVM; the IOAPIC left to
 * userspace) boots about twice as fast as the full in-kernel irqchip on
 * KVM-on-PVM.  exosim does not emulate an IOAPIC yet: nothing raises a device
 * interrupt until virtio devices arrive. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fail.h"
#include "kvm.h"

#define IOAPIC_PINS 24

static void open_kvm(struct vm *vm)
{
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		if (errno == ENOENT)
			fail(EXOSIM_EXIT_NOKVM, "/dev/kvm does not exist: load the kvm module "
			                        "(modprobe kvm_intel or kvm_amd) or run on a host "
			                        "with virtualization enabled");
		fail(EXOSIM_EXIT_NOKVM,
		     "/dev/kvm: %s: add yourself to the kvm group "
		     "(sudo usermod -aG kvm $USER, then log in again)",
		     strerror(errno));
	}
	int version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		fail(EXOSIM_EXIT_NOKVM, "/dev/kvm speaks KVM API %d, exosim needs %d", version,
		     KVM_API_VERSION);
}

static void add_memory(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
	        .slot = slot,
	        .guest_phys_addr = gpa,
	        .memory_size = size,
	        .userspace_addr = (uint64_t)host,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
}

static void create_irqchip(struct vm *vm)
{
	struct kvm_enable_cap cap = {.cap = KVM_CAP_SPLIT_IRQCHIP, .args = {IOAPIC_PINS}};
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) == 0)
		vm->irqchip = "split";
	else if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) == 0)
		vm->irqchip = "full";
	else
		vm->irqchip = "none";
}

/* KVM-on-PVM (software virtualization) runs a plain guest kernel's ring 0
 * through KVM's instruction emulator, which has no XSAVE or XRSTOR: the
 * kernel's FPU switch would stop the VM with an emulation failure.  The
 * guest's CPUID cannot hide XSAVE there (masking it in KVM_SET_CPUID2 changes
 * nothing the guest sees), so exosim boots the kernel with `noxsave`. */
static bool host_is_pvm(void)
{
	return access("/sys/module/kvm_pvm", F_OK) == 0;
}

/* The host CPU's features as KVM can offer them, unchanged. */
static void set_cpuid(struct vm *vm)
{
	for (int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
		if (!c)
			fail(EXOSIM_EXIT_INTERNAL, "out of memory");
		c->nent = n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, c) < 0)
				fail(EXOSIM_EXIT_INTERNAL, "KVM_SET_CPUID2: %s", strerror(errno));
			free(c);
			return;
		}
		free(c);
		if (errno != E2BIG)
			fail(EXOSIM_EXIT_INTERNAL, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	}
	fail(EXOSIM_EXIT_INTERNAL, "KVM_GET_SUPPORTED_CPUID: too many entries");
}

void vm_create(struct vm *vm, uint64_t mem_size)
{
	memset(vm, 0, sizeof(*vm));
	open_kvm(vm);
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		fail(EXOSIM_EXIT_NOKVM, "KVM_CREATE_VM: %s", strerror(errno));
	if (guest_mem_init(&vm->mem, mem_size) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "cannot allocate %llu MiB of guest memory: %s",
		     (unsigned long long)(mem_size >> 20), strerror(errno));
	add_memory(vm, 0, 0, vm->mem.low_end, vm->mem.host);
	if (mem_size > vm->mem.low_end)
		add_memory(vm, 1, GUEST_HIGH_RAM_BASE, mem_size - vm->mem.low_end,
		           vm->mem.host + vm->mem.low_end);
	create_irqchip(vm);

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		fail(EXOSIM_EXIT_INTERNAL, "KVM_CREATE_VCPU: %s", strerror(errno));
	int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		fail(EXOSIM_EXIT_INTERNAL, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	vm->run_size = (size_t)size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		fail(EXOSIM_EXIT_INTERNAL, "mmap(kvm_run): %s", strerror(errno));
	set_cpuid(vm);
	vm->noxsave = host_is_pvm();
	int khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
	vm->tsc_khz = khz > 0 ? (uint32_t)khz : 0;
}

uint64_t vm_guest_tsc(struct vm *vm)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = {.h = {.nmsrs = 1}, .e = {.index = 0x10 /* IA32_TIME_STAMP_COUNTER */}};
	return ioctl(vm->vcpu_fd, KVM_GET_MSRS, &m) == 1 ? m.e.data : 0;
}

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type)
{
	return (struct kvm_segment){
	        .base = 0,
	        .limit = 0xffffffff,
	        .selector = selector,
	        .type = type,
	        .present = 1,
	        .dpl = 0,
	        .db = 1,
	        .s = 1,
	        .l = 0,
	        .g = 1,
	};
}

void vm_set_pvh_state(struct vm *vm, uint32_t entry, uint32_t start_info)
{
	struct kvm_sregs s;
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "KVM_GET_SREGS: %s", strerror(errno));
	s.cs = flat_segment(0x10, 0xb);                             /* execute/read, accessed */
	s.ds = s.es = s.fs = s.gs = s.ss = flat_segment(0x18, 0x3); /* read/write, accessed */
	s.tr = (struct kvm_segment){.limit = 0x67, .type = 0xb, .present = 1};
	s.cr0 = 0x11; /* PE | ET */
	s.cr4 = 0;
	s.efer = 0;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &s) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "KVM_SET_SREGS: %s", strerror(errno));
	struct kvm_regs r = {.rip = entry, .rbx = start_info, .rflags = 0x2};
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &r) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "KVM_SET_REGS: %s", strerror(errno));
}

void vm_destroy(struct vm *vm)
{
	if (vm->run && vm->run != MAP_FAILED)
		munmap(vm->run, vm->run_size);
	guest_mem_free(&vm->mem);
	close(vm->vcpu_fd);
	close(vm->vm_fd);
	close(vm->kvm_fd);
}
