#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include "device.h"
#include "guest_mem.h"

/* Guest RAM is anonymous memory, backed lazily, with transparent huge pages
 * where the host allows them: a 2 MiB guest page (ExOS maps its anonymous
 * memory so) then faults in once on the host instead of 512 times.  On
 * KVM-on-PVM the first touch of fresh guest memory fell from ~33 to ~15 µs a
 * page (docs/benchmarks.md).  The mapping starts on a 2 MiB boundary so that
 * guest 2 MiB frames are host 2 MiB pages. */
#define HUGE_ALIGN (2ul << 20)

int guest_mem_init(struct guest_mem *m, uint64_t size)
{
	uint8_t *p = mmap(NULL, size + HUGE_ALIGN, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	uint8_t *start = (uint8_t *)(((uintptr_t)p + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1));
	if (start > p)
		munmap(p, (size_t)(start - p));
	if (start + size < p + size + HUGE_ALIGN)
		munmap(start + size, (size_t)(p + size + HUGE_ALIGN - (start + size)));
	madvise(start, size, MADV_HUGEPAGE); /* a hint: where THP is off, nothing changes */
	p = start;
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
