/* The virtio-mmio transport and device discovery (virtio.h).  Every register
 * access is a VM exit (~10 us on KVM-on-PVM, a trip through QEMU's device model
 * under TCG), so set-up reads each register once and the I/O paths touch only
 * QueueNotify, InterruptStatus and InterruptACK. */
#include "virtio.h"

#include "arch.h"
#include "cmdline.h"
#include "gate.h"
#include "ioapic.h"
#include "kernel.h"
#include "kstring.h"
#include "lapic.h"
#include "sched.h"
#include "trap.h"
#include "virtio_disk.h"
#include "virtio_nic.h"
#include "x86.h"

extern uint64_t boot_pd[4 * 512];

#define MMIO_HOLE_LO 0xc0000000ul /* the 1 GiB below 4 GiB: device windows live there */
#define MMIO_HOLE_HI 0xfec00000ul /* ... below the IOAPIC */

uint32_t virtio_read(const struct virtio_dev *d, uint32_t off)
{
	return *(volatile uint32_t *)kva(d->base + off);
}

void virtio_write(const struct virtio_dev *d, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)kva(d->base + off) = v;
}

static void write64(const struct virtio_dev *d, uint32_t off, uint64_t v)
{
	virtio_write(d, off, (uint32_t)v);
	virtio_write(d, off + 4, (uint32_t)(v >> 32));
}

static void say(const struct virtio_dev *d, const char *what)
{
	kprintf("exo: virtio-mmio at 0x%lx: %s; device ignored\n", d->base, what);
}

void virtio_reset(const struct virtio_dev *d)
{
	virtio_write(d, VIRTIO_MMIO_STATUS, 0);
	while (virtio_read(d, VIRTIO_MMIO_STATUS) != 0)
		__asm__ volatile("pause");
}

uint64_t virtio_negotiate(struct virtio_dev *d, uint64_t wanted)
{
	virtio_reset(d);
	virtio_write(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACK);
	virtio_write(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
	uint64_t offered = 0;
	for (uint32_t sel = 0; sel < 2; sel++) {
		virtio_write(d, VIRTIO_MMIO_DEV_FEAT_SEL, sel);
		offered |= (uint64_t)virtio_read(d, VIRTIO_MMIO_DEV_FEATURES) << (32 * sel);
	}
	if (!(offered & (1ul << VIRTIO_F_VERSION_1))) {
		say(d, "no VERSION_1 feature (a legacy device: pass QEMU "
		       "-global virtio-mmio.force-legacy=false)");
		return 0;
	}
	uint64_t use = offered & (wanted | 1ul << VIRTIO_F_VERSION_1);
	for (uint32_t sel = 0; sel < 2; sel++) {
		virtio_write(d, VIRTIO_MMIO_DRV_FEAT_SEL, sel);
		virtio_write(d, VIRTIO_MMIO_DRV_FEATURES, (uint32_t)(use >> (32 * sel)));
	}
	uint32_t st = VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	virtio_write(d, VIRTIO_MMIO_STATUS, st);
	if (!(virtio_read(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_write(d, VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_FAILED);
		say(d, "the device refused our features");
		return 0;
	}
	d->features = use;
	return use;
}

uint32_t virtio_queue_setup(const struct virtio_dev *d, uint32_t q, uint32_t max, uint64_t desc,
                            uint64_t driver, uint64_t device)
{
	virtio_write(d, VIRTIO_MMIO_QUEUE_SEL, q);
	uint32_t n = virtio_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (virtio_read(d, VIRTIO_MMIO_QUEUE_READY) || n == 0) {
		say(d, "its queue is not available");
		return 0;
	}
	if (n > max)
		n = max;
	n = 1u << (31 - __builtin_clz(n)); /* a power of 2, as a split ring's size is */
	virtio_write(d, VIRTIO_MMIO_QUEUE_NUM, n);
	write64(d, VIRTIO_MMIO_QUEUE_DESC, desc);
	write64(d, VIRTIO_MMIO_QUEUE_DRIVER, driver);
	write64(d, VIRTIO_MMIO_QUEUE_DEVICE, device);
	virtio_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
	return n;
}

void virtio_driver_ok(const struct virtio_dev *d)
{
	virtio_write(d, VIRTIO_MMIO_STATUS,
	             VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
	                     VIRTIO_STATUS_DRIVER_OK);
}

uint32_t virtio_irq_ack(const struct virtio_dev *d)
{
	uint32_t isr = virtio_read(d, VIRTIO_MMIO_INT_STATUS);
	if (isr)
		virtio_write(d, VIRTIO_MMIO_INT_ACK, isr);
	return isr;
}

uint64_t virtio_config(const struct virtio_dev *d, uint32_t off, uint32_t n)
{
	volatile void *p = kva(d->base + VIRTIO_MMIO_CONFIG + off);
	switch (n) {
	case 1:
		return *(volatile uint8_t *)p;
	case 2:
		return *(volatile uint16_t *)p;
	case 4:
		return *(volatile uint32_t *)p;
	default: /* two 32-bit reads: the transport allows no wider access */
		return *(volatile uint32_t *)p | (uint64_t)((volatile uint32_t *)p)[1] << 32;
	}
}

/* Devices in the order of the command line; dev_irq(i) serves devs[i]. */
static struct {
	void *drv; /* struct virtio_blk or virtio_net, by type; NULL until attached */
	uint32_t type;
} devs[EXO_DISK_MAX];
static unsigned ndevs;

uint64_t dev_irq(uint64_t i, uint64_t cs)
{
	uint64_t before = sched_runnable_set();
	if (devs[i].type == VIRTIO_ID_NET) {
		virtio_net_irq(devs[i].drv);
	} else {
		kinfo_page.disk_irqs++;
		if (devs[i].drv)
			virtio_blk_irq(devs[i].drv);
	}
	lapic_eoi();
	return sched_irq_woke(before, cs & 3);
}

/* The window, checked: the magic value, version 2 and a device behind it. */
static bool window_ok(struct virtio_dev *d, uint64_t size)
{
	if (size < VIRTIO_MMIO_WINDOW || d->base < MMIO_HOLE_LO || d->base > MMIO_HOLE_HI - size ||
	    d->base % VIRTIO_MMIO_WINDOW) {
		say(d, "the window is not in the MMIO hole below the IOAPIC");
		return false;
	}
	boot_pd[d->base >> 21] |= PTE_PCD | PTE_PWT; /* uncached, as device memory must be */
	invlpg((uint64_t)kva(d->base));
	if (virtio_read(d, VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE) {
		say(d, "no virtio magic value");
		return false;
	}
	if (virtio_read(d, VIRTIO_MMIO_VERSION) != 2) {
		say(d, "not a modern (version 2) virtio-mmio device (QEMU: "
		       "-global virtio-mmio.force-legacy=false)");
		return false;
	}
	return true;
}

static void attach(const char *v, size_t n)
{
	uint64_t size, base;
	uint32_t irq;
	if (cmdline_parse_virtio_mmio(v, n, &size, &base, &irq)) {
		char shown[64];
		size_t k = n < sizeof(shown) - 1 ? n : sizeof(shown) - 1;
		memcpy(shown, v, k);
		shown[k] = 0;
		kprintf("exo: malformed virtio_mmio.device=%s; ignored\n", shown);
		return;
	}
	struct virtio_dev d = {.base = base, .irq = irq, .vector = (uint8_t)(IRQ_DEV_BASE + ndevs)};
	if (ndevs == EXO_DISK_MAX) {
		say(&d, "too many devices");
		return;
	}
	if (!window_ok(&d, size))
		return;
	uint32_t id = virtio_read(&d, VIRTIO_MMIO_DEVICE_ID);
	if (id == 0) { /* a transport with nothing behind it: the fragment is wrong */
		say(&d, "no device behind the window");
		return;
	}
	if (id != VIRTIO_ID_BLOCK && id != VIRTIO_ID_NET) { /* a driver to come: quiet */
		kverbose("exo: virtio-mmio at 0x%lx: device type %u has no driver yet\n", d.base,
		         id);
		return;
	}
	cpu_set_irq(d.vector, ndevs); /* before the pin can fire: dev_irq ignores it for now */
	if (ioapic_route(irq, d.vector)) {
		char what[48];
		snprintf(what, sizeof(what), "the IOAPIC has no pin %u", irq);
		say(&d, what);
		return;
	}
	void *drv = 0;
	if (id == VIRTIO_ID_NET)
		drv = kinfo_page.nnics == EXO_NIC_MAX ? 0 : virtio_net_attach(&d, kinfo_page.nnics);
	else
		drv = virtio_blk_attach(&d, kinfo_page.ndisks);
	if (drv) {
		devs[ndevs].type = id;
		devs[ndevs++].drv = drv;
	}
}

void virtio_discover(const char *cmdline, size_t len)
{
	static const char key[] = "virtio_mmio.device";
	struct cmdline_word w;
	size_t pos = 0;
	while (cmdline_next(cmdline, len, &pos, &w))
		if (w.keylen == sizeof(key) - 1 && !memcmp(w.key, key, w.keylen))
			attach(w.has_value ? w.value : "", w.has_value ? w.vlen : 0);
}
