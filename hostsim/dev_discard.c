/* The page discard device (include/hw/exosim_pv.h): the guest names ranges of
 * its RAM and the host drops them, so that they read as zero.  Guest RAM is
 * private anonymous memory (guest_mem.c), for which madvise(MADV_DONTNEED)
 * means exactly that, and KVM's MMU notifiers take the pages out of the
 * guest's mappings too.  A request is copied once, every range is checked
 * (alignment, gpa_check) before any is discarded, and a malformed request
 * discards nothing and gets PV_ERR_MALFORMED. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <hw/exosim_pv.h>

#include "device.h"
#include "kvm.h"

#define PAGE_MASK 4095ull

static int32_t discard_request(const struct guest_mem *mem, const char *name,
                               const struct pv_discard_req *req)
{
	if (req->nranges > PV_DISCARD_MAX_RANGES) {
		device_bad_request(name, "%u ranges (at most %d)", req->nranges,
		                   PV_DISCARD_MAX_RANGES);
		return PV_ERR_MALFORMED;
	}
	void *host[PV_DISCARD_MAX_RANGES];
	for (uint32_t i = 0; i < req->nranges; i++) {
		const struct pv_discard_range *r = &req->range[i];
		if ((r->paddr | r->len) & PAGE_MASK) {
			device_bad_request(name, "range 0x%llx+0x%llx is not page-aligned",
			                   (unsigned long long)r->paddr,
			                   (unsigned long long)r->len);
			return PV_ERR_MALFORMED;
		}
		host[i] = gpa_check(mem, r->paddr, r->len, name);
		if (!host[i])
			return PV_ERR_MALFORMED;
	}
	for (uint32_t i = 0; i < req->nranges; i++)
		if (req->range[i].len && madvise(host[i], req->range[i].len, MADV_DONTNEED) < 0)
			return -errno;
	return 0;
}

static int discard_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	if (!a->write) { /* detection: the magic for a 32-bit read, all ones otherwise */
		uint32_t magic = PV_DISCARD_MAGIC;
		if (a->size == 4 && a->count == 1 && a->addr == dev->base)
			memcpy(a->data, &magic, 4);
		else
			memset(a->data, 0xff, (size_t)a->size * a->count);
		return DEV_CONTINUE;
	}
	uint32_t gpa;
	if (!device_request_gpa(dev, a, &gpa))
		return DEV_CONTINUE;
	struct pv_discard_req *g = gpa_check(&vm->mem, gpa, sizeof(*g), dev->name);
	if (!g)
		return DEV_CONTINUE; /* no place to answer: the guest sees PV_RESULT_NONE */
	struct pv_discard_req req;
	memcpy(&req, g, sizeof(req));
	int32_t result = discard_request(&vm->mem, dev->name, &req);
	memcpy(&g->result, &result, sizeof(result));
	return DEV_CONTINUE;
}

static const struct device discard_device = {.name = "pv-discard",
                                             .space = DEV_PORT,
                                             .base = PV_DISCARD_PORT,
                                             .len = 4,
                                             .access = discard_access};

static void discard_setup(struct vm *vm)
{
	(void)vm;
	device_register_or_fail(&discard_device);
}

const struct dev_module dev_discard_module = {.name = "pv-discard", .setup = discard_setup};
