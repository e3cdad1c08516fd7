#include <stdbool.h>
#include <sys/mman.h>

#include "device.h"
#include "guest_mem.h"

int guest_mem_init(struct guest_mem *m, uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	m->host = p;
	m->size = size;
	m->low_end = size < GUEST_LOW_RAM_MAX ? size : GUEST_LOW_RAM_MAX;
	return 0;
}

void guest_mem_free(struct guest_mem *m)
{
	if (m->host)
		munmap(m->host, m->size);
	m->host = NULL;
}

/* Is [gpa, gpa+len) inside the slot [base, base+size)?  Written with
 * differences only, so that no operand can overflow whatever the guest gives. */
static bool in_slot(uint64_t gpa, uint64_t len, uint64_t base, uint64_t size)
{
	return size && gpa >= base && gpa - base <= size && len <= size - (gpa - base);
}

void *gpa_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	if (!m->host)
		return NULL;
	if (in_slot(gpa, len, 0, m->low_end))
		return m->host + gpa;
	if (in_slot(gpa, len, GUEST_HIGH_RAM_BASE, m->size - m->low_end))
		return m->host + m->low_end + (gpa - GUEST_HIGH_RAM_BASE);
	return NULL;
}

void *gpa_check(const struct guest_mem *m, uint64_t gpa, uint64_t len, const char *caller)
{
	void *p = gpa_ptr(m, gpa, len);
	if (!p)
		device_bad_request(caller, "guest-physical range 0x%llx+0x%llx is not guest RAM",
		                   (unsigned long long)gpa, (unsigned long long)len);
	return p;
}
