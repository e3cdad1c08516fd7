/* The page discard device (include/hw/exosim_pv.h): the guest names ranges of
 * its RAM and the host drops them, so that they read as zero.  Guest RAM is
 * private anonymous memory (guest_mem.c), for which madvise(MADV_DONTNEED)
 * means exactly that, and KVM's MMU notifiers take the pages out of the
 * guest's mappings too.  A request is copied once, every range is checked
 * (alignment, gpa_check) before any is discarded, and a malformed request
 * discards nothing and gets PV_ERR_MALFORMED. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include <hw/exosim_pv.h>

#include "device.h"
#include "kvm.h"

#define PAGE_MASK 4095ull

static int32_t discard_request(const struct guest_mem *mem, const char *name, const void *request)
{
	const struct pv_discard_req *req = request;
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
	struct pv_discard_req req;
	return device_pv_access(vm, dev, a, PV_DISCARD_MAGIC, &req, sizeof(req),
	                        offsetof(struct pv_discard_req, result), discard_request);
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
