/* Paravirtual console input (include/hw/exosim_pv.h): reads exosim's stdin
 * straight into a guest buffer.  The request is copied once and its buffer
 * checked with gpa_check before anything is read, so no input is consumed for
 * a request that cannot take it. */
#include <string.h>

#include <hw/exosim_pv.h>

#include "console.h"
#include "device.h"
#include "kvm.h"

static int32_t input_request(const struct guest_mem *mem, const char *name,
                             const struct pv_console_in *req)
{
	if (req->len > PV_CONSOLE_IN_MAX) {
		device_bad_request(name, "a read of %u bytes (at most %d)", req->len,
		                   PV_CONSOLE_IN_MAX);
		return PV_ERR_MALFORMED;
	}
	void *buf = gpa_check(mem, req->paddr, req->len, name);
	if (!buf)
		return PV_ERR_MALFORMED;
	return (int32_t)console_read(buf, req->len);
}

static int pvstdin_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	if (!a->write) {
		memset(a->data, 0xff, (size_t)a->size * a->count); /* write-only */
		return DEV_CONTINUE;
	}
	uint32_t gpa;
	if (!device_request_gpa(dev, a, &gpa))
		return DEV_CONTINUE;
	struct pv_console_in *g = gpa_check(&vm->mem, gpa, sizeof(*g), dev->name);
	if (!g)
		return DEV_CONTINUE; /* no place to answer: the guest sees PV_RESULT_NONE */
	struct pv_console_in req;
	memcpy(&req, g, sizeof(req));
	int32_t result = input_request(&vm->mem, dev->name, &req);
	memcpy(&g->result, &result, sizeof(result));
	return DEV_CONTINUE;
}

static const struct device pvstdin_device = {.name = "pv-stdin",
                                             .space = DEV_PORT,
                                             .base = PV_CONSOLE_IN_PORT,
                                             .len = 4,
                                             .access = pvstdin_access};

static void pvstdin_setup(struct vm *vm)
{
	(void)vm;
	device_register_or_fail(&pvstdin_device);
}

const struct dev_module dev_pvstdin_module = {.name = "pv-stdin", .setup = pvstdin_setup};
