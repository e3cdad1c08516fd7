/* A handful of devices: a linear scan costs nanoseconds next to the VM exit
 * (microseconds) that brought us here, and keeps the registry obvious. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "guest_mem.h"
#include "kvm.h"
#include "fail.h"
#include "stats.h"

#define DEVICES_MAX 32

static const struct device *devices[DEVICES_MAX];
static int ndevices;

/* Does [base, base+len) contain [addr, addr+n)?  Differences only: no sum of
 * guest-chosen values is formed, so nothing can wrap. */
static bool contains(uint64_t base, uint64_t len, uint64_t addr, uint64_t n)
{
	return addr >= base && addr - base < len && n <= len - (addr - base);
}

static bool overlaps(const struct device *a, const struct device *b)
{
	return a->space == b->space && a->base < b->base + b->len && b->base < a->base + a->len;
}

int device_register(const struct device *d)
{
	if (!d || !d->access || !d->name || d->len == 0 || d->base + d->len < d->base ||
	    ndevices == DEVICES_MAX)
		return -1;
	if (d->space == DEV_PORT && d->base + d->len > 0x10000)
		return -1;
	for (int i = 0; i < ndevices; i++)
		if (overlaps(devices[i], d))
			return -1;
	devices[ndevices++] = d;
	return 0;
}

void device_register_or_fail(const struct device *d)
{
	if (device_register(d) != 0)
		fail(EXOSIM_EXIT_INTERNAL, "device %s: cannot register 0x%llx+0x%llx (overlap?)",
		     d->name, (unsigned long long)d->base, (unsigned long long)d->len);
}

const struct device *device_find(enum dev_space space, uint64_t addr, uint64_t len)
{
	for (int i = 0; i < ndevices; i++)
		if (devices[i]->space == space &&
		    contains(devices[i]->base, devices[i]->len, addr, len))
			return devices[i];
	return NULL;
}

int device_dispatch(struct vm *vm, const struct dev_access *a)
{
	const struct device *d = device_find(a->space, a->addr, a->size ? a->size : 1);
	if (d)
		return d->access(vm, d, a);
	stats_unknown_io(a->space == DEV_MMIO, a->addr, a->write);
	if (!a->write)
		memset(a->data, 0xff, (size_t)a->size * a->count);
	return DEV_CONTINUE;
}

/* Both the vCPU thread and the I/O thread (virtio queues) report. */
static pthread_mutex_t bad_request_lock = PTHREAD_MUTEX_INITIALIZER;

void device_bad_request(const char *caller, const char *fmt, ...)
{
	pthread_mutex_lock(&bad_request_lock);
	if (stats_bad_request(caller) == 1) {
		va_list ap;
		va_start(ap, fmt);
		fprintf(stderr, "exosim: %s: bad guest request: ", caller);
		vfprintf(stderr, fmt, ap);
		fputs(" (refused; --stats counts them)\n", stderr);
		va_end(ap);
	}
	pthread_mutex_unlock(&bad_request_lock);
}

bool device_request_gpa(const struct device *dev, const struct dev_access *a, uint32_t *gpa)
{
	if (a->write && a->size == 4 && a->count == 1 && a->addr == dev->base) {
		memcpy(gpa, a->data, 4);
		return true;
	}
	device_bad_request(dev->name,
	                   "a %u-byte %s at port 0x%llx (a request is an outl to 0x%llx)", a->size,
	                   a->write ? "write" : "read", (unsigned long long)a->addr,
	                   (unsigned long long)dev->base);
	return false;
}

int device_pv_access(struct vm *vm, const struct device *dev, const struct dev_access *a,
                     uint32_t magic, void *copy, size_t size, size_t result_off, pv_handler handle)
{
	if (!a->write) {
		if (magic && a->size == 4 && a->count == 1 && a->addr == dev->base)
			memcpy(a->data, &magic, 4);
		else
			memset(a->data, 0xff, (size_t)a->size * a->count);
		return DEV_CONTINUE;
	}
	uint32_t gpa;
	if (!device_request_gpa(dev, a, &gpa))
		return DEV_CONTINUE;
	uint8_t *g = gpa_check(&vm->mem, gpa, size, dev->name);
	if (!g)
		return DEV_CONTINUE;
	memcpy(copy, g, size);
	int32_t result = handle(&vm->mem, dev->name, copy);
	memcpy(g + result_off, &result, sizeof(result));
	return DEV_CONTINUE;
}

void device_reset(void)
{
	ndevices = 0;
}
