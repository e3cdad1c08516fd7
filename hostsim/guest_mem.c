#include <sys/mman.h>

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

void *gpa_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;
	if (end < gpa)
		return NULL;
	if (end <= m->low_end)
		return m->host + gpa;
	uint64_t high_size = m->size - m->low_end;
	if (gpa >= GUEST_HIGH_RAM_BASE && end - GUEST_HIGH_RAM_BASE <= high_size)
		return m->host + m->low_end + (gpa - GUEST_HIGH_RAM_BASE);
	return NULL;
}
