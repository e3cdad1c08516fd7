/* The word fill device (include/hw/exosim_pv.h): the guest names a range of
 * its RAM and a 64-bit pattern, and the host stores the pattern into every
 * word of it, natively, in one exit.  The kernel uses it for its bulk stores
 * (page-info entries), which cost ~0.6 us per word as emulated `rep stosq` on
 * KVM-on-PVM.  The request is copied once and the whole range is checked
 * (alignment, gpa_check) before a word is written; a malformed request writes
 * nothing and gets PV_ERR_MALFORMED. */
#include <stddef.h>
#include <string.h>

#include <hw/exosim_pv.h>

#include "device.h"
#include "kvm.h"

static int32_t fill_request(const struct guest_mem *mem, const char *name, const void *request)
{
	const struct pv_fill_req *req = request;
	if (req->paddr & 7) {
		device_bad_request(name, "address 0x%llx is not 8-byte aligned",
		                   (unsigned long long)req->paddr);
		return PV_ERR_MALFORMED;
	}
	if (!req->count)
		return 0;
	if (req->count > UINT64_MAX / 8) {
		device_bad_request(name, "%llu words", (unsigned long long)req->count);
		return PV_ERR_MALFORMED;
	}
	uint8_t *host = gpa_check(mem, req->paddr, req->count * 8, name);
	if (!host)
		return PV_ERR_MALFORMED;
	for (uint64_t i = 0; i < req->count; i++)
		memcpy(host + i * 8, &req->pattern, 8);
	return 0;
}

static int fill_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	struct pv_fill_req req;
	return device_pv_access(vm, dev, a, PV_FILL_MAGIC, &req, sizeof(req),
	                        offsetof(struct pv_fill_req, result), fill_request);
}

static const struct device fill_device = {.name = "pv-fill",
                                          .space = DEV_PORT,
                                          .base = PV_FILL_PORT,
                                          .len = 4,
                                          .access = fill_access};

static void fill_setup(struct vm *vm)
{
	(void)vm;
	device_register_or_fail(&fill_device);
}

const struct dev_module dev_fill_module = {.name = "pv-fill", .setup = fill_setup};
