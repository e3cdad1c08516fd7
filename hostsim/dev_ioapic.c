/* The IOAPIC, in userspace beside KVM's split irqchip (ioapic.h): 24 pins,
 * version 0x11 (no EOI register), ID 0, at 0xfec00000 as QEMU has it.  The
 * guest writes IOREGSEL (+0x00) and reads or writes IOWIN (+0x10), 32 bits
 * at a time; a redirection entry is two registers, 0x10 + 2*pin (low) and
 * 0x11 + 2*pin (high).
 *
 * Each unmasked entry is turned into an MSI route for the pin's GSI (the
 * address and data a real IOAPIC would send to the LAPIC), and KVM_IRQFD
 * binds the pin's eventfd to that GSI, so a device thread's write interrupts
 * the vCPU with no exit.  Lines are edge-triggered: a level-triggered entry
 * is delivered as an edge too (virtio devices are acknowledged through their
 * own InterruptACK register, so a driver never relies on the level).  An entry
 * asking for SMI, NMI, INIT or ExtINT delivery, or a vector below 16, is a bad
 * request and stays masked. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include "device.h"
#include "fail.h"
#include "ioapic.h"
#include "kvm.h"

#define REG_ID    0x00
#define REG_VER   0x01
#define REG_ARB   0x02
#define REG_REDIR 0x10
#define VERSION   (0x11u | (IOAPIC_PINS - 1u) << 16)

#define WIN_SEL  0x00
#define WIN_DATA 0x10

#define ENTRY_MASKED      (1ull << 16)
#define ENTRY_LEVEL       (1ull << 15)
#define ENTRY_WRITABLE    0xff0000000001afffull /* not delivery status, remote IRR */
#define ENTRY_VECTOR(e)   ((uint32_t)(e)&0xff)
#define ENTRY_DELIVERY(e) ((uint32_t)((e) >> 8) & 7)
#define ENTRY_LOGICAL(e)  ((uint32_t)((e) >> 11) & 1)
#define ENTRY_DEST(e)     ((uint32_t)((e) >> 56))

static struct {
	uint32_t sel, id;
	uint64_t entry[IOAPIC_PINS];
	bool wired[IOAPIC_PINS]; /* a device's eventfd is bound to the pin */
	void (*unmasked[IOAPIC_PINS])(void *arg);
	void *arg[IOAPIC_PINS];
} io;

static bool userspace(const struct vm *vm)
{
	return strcmp(vm->irqchip, "split") == 0;
}

/* An entry KVM can deliver: fixed or lowest-priority, a real vector. */
static bool deliverable(uint64_t e)
{
	return !(e & ENTRY_MASKED) && ENTRY_DELIVERY(e) <= 1 && ENTRY_VECTOR(e) >= 16;
}

/* KVM takes the whole table at once: one MSI route per wired, unmasked pin. */
static void set_routes(struct vm *vm)
{
	struct kvm_irq_routing *r =
	        calloc(1, sizeof(*r) + IOAPIC_PINS * sizeof(struct kvm_irq_routing_entry));
	if (!r)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = io.entry[pin];
		if (!io.wired[pin] || !deliverable(e))
			continue;
		r->entries[r->nr++] = (struct kvm_irq_routing_entry){
		        .gsi = pin,
		        .type = KVM_IRQ_ROUTING_MSI,
		        .u.msi = {.address_lo =
		                          0xfee00000u | ENTRY_DEST(e) << 12 | ENTRY_LOGICAL(e) << 2,
		                  .data = ENTRY_VECTOR(e) | ENTRY_DELIVERY(e) << 8}};
	}
	int rc = ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r);
	free(r);
	if (rc < 0)
		fail(EXOSIM_EXIT_INTERNAL, "KVM_SET_GSI_ROUTING: %s", strerror(errno));
}

static uint32_t read_reg(uint32_t reg)
{
	if (reg == REG_ID)
		return io.id;
	if (reg == REG_VER)
		return VERSION;
	if (reg == REG_ARB)
		return io.id;
	unsigned pin = (reg - REG_REDIR) / 2;
	if (reg < REG_REDIR || pin >= IOAPIC_PINS)
		return 0;
	return (uint32_t)(io.entry[pin] >> (reg % 2 ? 32 : 0));
}

static void write_entry(struct vm *vm, unsigned pin, bool high, uint32_t v)
{
	uint64_t old = io.entry[pin];
	uint64_t e = high ? (old & 0xffffffffu) | (uint64_t)v << 32 : (old & ~0xffffffffull) | v;
	e = (e & ENTRY_WRITABLE) | (old & ~ENTRY_WRITABLE);
	if (!(e & ENTRY_MASKED) && !deliverable(e))
		device_bad_request("ioapic",
		                   "pin %u: delivery mode %u, vector %u (fixed or lowest-priority "
		                   "delivery of a vector >= 16 only; the pin stays masked)",
		                   pin, ENTRY_DELIVERY(e), ENTRY_VECTOR(e));
	io.entry[pin] = e;
	if (e == old || !io.wired[pin])
		return;
	set_routes(vm);
	if (deliverable(e) && !deliverable(old) && io.unmasked[pin])
		io.unmasked[pin](io.arg[pin]);
}

static void write_reg(struct vm *vm, uint32_t reg, uint32_t v)
{
	unsigned pin = (reg - REG_REDIR) / 2;
	if (reg == REG_ID)
		io.id = v & 0x0f000000u;
	else if (reg >= REG_REDIR && pin < IOAPIC_PINS)
		write_entry(vm, pin, reg % 2, v);
	else
		device_bad_request("ioapic", "write of read-only or absent register 0x%x", reg);
}

static int ioapic_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	uint64_t off = a->addr - dev->base;
	if (a->size != 4 || (off != WIN_SEL && off != WIN_DATA)) {
		device_bad_request(dev->name, "%u-byte %s at +0x%llx (IOREGSEL and IOWIN, 32-bit)",
		                   a->size, a->write ? "write" : "read", (unsigned long long)off);
		if (!a->write)
			memset(a->data, 0xff, a->size);
		return DEV_CONTINUE;
	}
	uint32_t v;
	if (!a->write) {
		v = off == WIN_SEL ? io.sel : read_reg(io.sel);
		memcpy(a->data, &v, 4);
	} else {
		memcpy(&v, a->data, 4);
		if (off == WIN_SEL)
			io.sel = v & 0xff;
		else
			write_reg(vm, io.sel, v);
	}
	return DEV_CONTINUE;
}

static const struct device ioapic_device = {.name = "ioapic",
                                            .space = DEV_MMIO,
                                            .base = IOAPIC_BASE,
                                            .len = 0x1000,
                                            .access = ioapic_access};

static void ioapic_setup(struct vm *vm)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		io.entry[pin] = ENTRY_MASKED;
	if (userspace(vm))
		device_register_or_fail(&ioapic_device);
}

int ioapic_line(struct vm *vm, unsigned pin, void (*unmasked)(void *arg), void *arg)
{
	if (strcmp(vm->irqchip, "none") == 0)
		fail(EXOSIM_EXIT_INTERNAL,
		     "this KVM has no irqchip: devices cannot interrupt the guest");
	if (pin >= IOAPIC_PINS || io.wired[pin])
		fail(EXOSIM_EXIT_INTERNAL, "IOAPIC pin %u is taken", pin);
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct kvm_irqfd irqfd = {.fd = (uint32_t)fd, .gsi = pin};
	if (fd < 0 || ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "KVM_IRQFD for IOAPIC pin %u: %s", pin, strerror(errno));
	io.wired[pin] = true;
	io.unmasked[pin] = unmasked;
	io.arg[pin] = arg;
	return fd;
}

const struct dev_module dev_ioapic_module = {.name = "ioapic", .setup = ioapic_setup};
