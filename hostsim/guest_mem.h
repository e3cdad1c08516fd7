/* Guest physical memory, and the one place guest addresses are checked. */
#ifndef HOSTSIM_GUEST_MEM_H
#define HOSTSIM_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

/* RAM above this is moved above 4 GiB, leaving a hole for device MMIO
 * (virtio-mmio at 0xfeb00000, the IOAPIC, the LAPIC), as QEMU does. */
#define GUEST_LOW_RAM_MAX   0xc0000000ull
#define GUEST_HIGH_RAM_BASE 0x100000000ull

struct guest_mem {
	uint8_t *host;    /* all of RAM, contiguous on the host */
	uint64_t size;    /* bytes of RAM */
	uint64_t low_end; /* RAM [0, low_end) is at host[0..]; the rest at 4 GiB */
};

int guest_mem_init(struct guest_mem *m, uint64_t size); /* 0, or -1 with errno */
void guest_mem_free(struct guest_mem *m);

/* The host address of guest-physical [gpa, gpa+len), or NULL unless the whole
 * range is RAM in one slot.  Fail-closed: no sum that could wrap is ever
 * formed; a zero-length range is valid inside a slot or at its very end.
 * The loaders use this directly (their addresses come from exosim or from an
 * ELF they report on themselves). */
void *gpa_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* The same check for an address or length that came from the guest at run
 * time; every device goes through this (as Solo5's HVT_CHECKED_GPA_P).  On
 * failure it reports a bad request by `caller`, a device's name
 * (device_bad_request: counted by --stats, one line the first time), and
 * returns NULL: the device then refuses the request with an error the guest
 * sees. */
void *gpa_check(const struct guest_mem *m, uint64_t gpa, uint64_t len, const char *caller);

#endif
