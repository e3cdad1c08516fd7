/* The virtio-mmio slots (virtio_slot.h). */
#include <errno.h>
#include <linux/virtio_mmio.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "device.h"
#include "fail.h"
#include "io_thread.h"
#include "ioapic.h"
#include "kvm.h"
#include "virtio_slot.h"

struct kick {
	struct slot *slot;
	uint16_t queue;
	int fd;
};

struct slot {
	struct virtio_mmio t;
	pthread_mutex_t lock;
	struct device window;
	int irq_fd;
	struct kick kick[VIRTIO_MMIO_QUEUES_MAX];
};

static struct slot slots[VIRTIO_SLOTS_MAX];
static int nslots;

static struct slot *slot_of(struct virtio_mmio *t)
{
	return (struct slot *)((char *)t - offsetof(struct slot, t));
}

/* A backend's descriptor, served under its device's lock. */
struct backend_watch {
	struct slot *slot;
	void (*handler)(void *arg);
	void *arg;
};

static void backend_ready(void *arg)
{
	struct backend_watch *w = arg;
	pthread_mutex_lock(&w->slot->lock);
	w->handler(w->arg);
	pthread_mutex_unlock(&w->slot->lock);
}

void virtio_slot_lock(struct virtio_mmio *t)
{
	pthread_mutex_lock(&slot_of(t)->lock);
}

void virtio_slot_unlock(struct virtio_mmio *t)
{
	pthread_mutex_unlock(&slot_of(t)->lock);
}

int virtio_slot_watch(struct virtio_mmio *t, int fd, void (*handler)(void *arg), void *arg)
{
	struct backend_watch *w = malloc(sizeof(*w));
	if (!w)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	*w = (struct backend_watch){slot_of(t), handler, arg};
	return io_thread_watch(fd, backend_ready, w); /* w lives as long as exosim */
}

/* KVM_IRQFD: raising the line is an eventfd write, from either thread. */
static void raise_irq(struct virtio_mmio *t)
{
	uint64_t one = 1;
	if (write(slot_of(t)->irq_fd, &one, sizeof(one)) != sizeof(one) && errno != EAGAIN)
		fail(EXOSIM_EXIT_INTERNAL, "%s: cannot raise the interrupt: %s", t->name,
		     strerror(errno));
}

/* The guest unmasked the pin: an interrupt raised while it was masked was
 * lost, so raise it again if the driver has not acknowledged it. */
static void unmasked(void *arg)
{
	struct slot *s = arg;
	pthread_mutex_lock(&s->lock);
	if (s->t.interrupt_status)
		raise_irq(&s->t);
	pthread_mutex_unlock(&s->lock);
}

static int window_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	(void)vm;
	struct slot *s = (struct slot *)((char *)dev - offsetof(struct slot, window));
	pthread_mutex_lock(&s->lock);
	virtio_mmio_access(&s->t, a->addr - dev->base, a->write, a->size, a->data);
	pthread_mutex_unlock(&s->lock);
	return DEV_CONTINUE;
}

/* On the I/O thread: the driver wrote the queue's index to QueueNotify. */
static void kicked(void *arg)
{
	struct kick *k = arg;
	uint64_t n;
	if (read(k->fd, &n, sizeof(n)) != sizeof(n))
		return; /* nothing pending: another wake-up drained it */
	pthread_mutex_lock(&k->slot->lock);
	virtio_mmio_notify(&k->slot->t, k->queue);
	pthread_mutex_unlock(&k->slot->lock);
}

static void wire_kick(struct vm *vm, struct slot *s, uint16_t q)
{
	struct kick *k = &s->kick[q];
	*k = (struct kick){.slot = s, .queue = q, .fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
	struct kvm_ioeventfd ev = {.datamatch = q,
	                           .addr = s->window.base + VIRTIO_MMIO_QUEUE_NOTIFY,
	                           .len = 4,
	                           .fd = k->fd,
	                           .flags = KVM_IOEVENTFD_FLAG_DATAMATCH};
	if (k->fd < 0 || ioctl(vm->vm_fd, KVM_IOEVENTFD, &ev) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "%s: KVM_IOEVENTFD for queue %u: %s", s->t.name, q,
		     strerror(errno));
	io_thread_watch(k->fd, kicked, k);
}

struct virtio_mmio *virtio_slot_add(struct vm *vm, const char *name, const struct virtio_type *type,
                                    void *dev)
{
	if (nslots == VIRTIO_SLOTS_MAX)
		fail(EXOSIM_EXIT_USAGE, "%s: at most %d virtio devices", name, VIRTIO_SLOTS_MAX);
	int i = nslots++;
	struct slot *s = &slots[i];
	pthread_mutex_init(&s->lock, NULL);
	virtio_mmio_init(&s->t, &vm->mem, name, type, dev, raise_irq);
	s->window = (struct device){.name = name,
	                            .space = DEV_MMIO,
	                            .base = VIRTIO_SLOT_BASE + (uint64_t)i * VIRTIO_MMIO_WINDOW,
	                            .len = VIRTIO_MMIO_WINDOW,
	                            .access = window_access};
	device_register_or_fail(&s->window);
	s->irq_fd = ioapic_line(vm, VIRTIO_SLOT_IRQ_BASE + (unsigned)i, unmasked, s);
	for (uint16_t q = 0; q < type->nqueues; q++)
		wire_kick(vm, s, q);
	return &s->t;
}

struct virtio_mmio *virtio_slot_detached(const struct guest_mem *mem, const char *name,
                                         const struct virtio_type *type, void *dev,
                                         void (*raise_irq)(struct virtio_mmio *t))
{
	struct slot *s = calloc(1, sizeof(*s));
	if (!s)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	pthread_mutex_init(&s->lock, NULL);
	virtio_mmio_init(&s->t, mem, name, type, dev, raise_irq);
	return &s->t;
}

int virtio_slots_cmdline(char *buf, unsigned long cap)
{
	int len = 0;
	for (int i = 0; i < nslots; i++) {
		int n = virtio_mmio_cmdline(buf + len, cap - (unsigned long)len,
		                            slots[i].window.base,
		                            VIRTIO_SLOT_IRQ_BASE + (unsigned)i);
		if (n < 0 || (unsigned long)n >= cap - (unsigned long)len)
			return -1;
		len += n;
	}
	return len;
}

void virtio_slots_stats_print(void)
{
	for (int i = 0; i < nslots; i++) {
		struct virtio_mmio *t = &slots[i].t;
		fprintf(stderr, "exosim-stats: device %s notifications=%llu interrupts=%llu",
		        t->name, (unsigned long long)t->notifications,
		        (unsigned long long)t->interrupts);
		if (t->type->print_stats)
			t->type->print_stats(t);
		fputc('\n', stderr);
	}
}
