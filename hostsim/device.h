/* The device registry, in the style of Solo5's tenders/hvt: each device is a
 * module in its own file (dev_*.c) that registers the port or MMIO ranges it
 * answers; vm_run only turns a VM exit into a struct dev_access and calls
 * device_dispatch.  Adding a device (virtio-blk, virtio-net) touches neither
 * vm_run nor any other device. */
#ifndef HOSTSIM_DEVICE_H
#define HOSTSIM_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct guest_mem;

enum dev_space { DEV_PORT, DEV_MMIO };

/* One guest access, as the vCPU exit described it. */
struct dev_access {
	enum dev_space space;
	bool write;
	uint64_t addr;  /* the port, or the guest-physical address */
	uint32_t size;  /* bytes per access: 1, 2 or 4 for ports, 1..8 for MMIO */
	uint32_t count; /* repetitions (string port I/O, `rep outsb`); 1 for MMIO */
	uint8_t *data;  /* size * count bytes: what was written, or what a read returns */
};

/* What a handler returns: keep running, or end the run with a status. */
#define DEV_CONTINUE (-1)

struct device {
	const char *name; /* for --stats and error lines, e.g. "pv-console" */
	enum dev_space space;
	uint64_t base, len; /* the range answered: [base, base+len) */
	/* Handles an access that lies wholly inside the range.  Returns
	 * DEV_CONTINUE, or the guest's exit status (0..255) to end the run. */
	int (*access)(struct vm *vm, const struct device *dev, const struct dev_access *a);
};

/* A module: its setup registers its devices (and may open host resources). */
struct dev_module {
	const char *name;
	void (*setup)(struct vm *vm);
};

/* Registers d (kept by pointer: it must outlive the run).  Returns 0, or -1 if
 * the range is empty or wraps, overlaps a registered one, or the table is
 * full. */
int device_register(const struct device *d);

/* The device answering [addr, addr+len) in space, or NULL. */
const struct device *device_find(enum dev_space space, uint64_t addr, uint64_t len);

/* Passes a to its device.  An access no device answers wholly is defined, as
 * on a real bus: reads return all ones, writes are ignored, and it is counted
 * (--stats lists it).  Returns DEV_CONTINUE or the guest's exit status. */
int device_dispatch(struct vm *vm, const struct dev_access *a);

/* Runs every module's setup (devices.c lists them); exits with
 * EXOSIM_EXIT_INTERNAL if one cannot register. */
void devices_setup(struct vm *vm);

/* Registers d or exits with EXOSIM_EXIT_INTERNAL: for module setups. */
void device_register_or_fail(const struct device *d);

/* A guest request that broke the protocol (bad address, length, stream):
 * counted against caller for --stats, and one line on stderr the first time
 * for each caller.  Never fatal: the device answers with an error status. */
void device_bad_request(const char *caller, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* For a device whose requests are an `outl` of a guest-physical address to
 * its base port: true with *gpa for such a write; anything else is a bad
 * request (reported) and false. */
bool device_request_gpa(const struct device *dev, const struct dev_access *a, uint32_t *gpa);

/* The protocol the paravirtual request devices share (include/hw/exosim_pv.h).
 * A 32-bit read of the base port is detection: `magic` (all ones for any other
 * read, and for every read when magic is 0: a write-only device).  A write is
 * the guest-physical address of a request of `size` bytes: it is copied once
 * into `copy` (the guest may change it meanwhile), given to handle, and
 * answered with handle's int32 at `result_off` in the guest's request.  A
 * request whose own address is not RAM cannot be answered: the guest sees
 * PV_RESULT_NONE. */
typedef int32_t (*pv_handler)(const struct guest_mem *mem, const char *name, const void *req);
int device_pv_access(struct vm *vm, const struct device *dev, const struct dev_access *a,
                     uint32_t magic, void *copy, size_t size, size_t result_off, pv_handler handle);

/* Forgets every registration (unit tests). */
void device_reset(void);

#endif
