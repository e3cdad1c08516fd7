/* The paravirtual console (include/hw/exosim_pv.h): one VM exit per buffer
 * instead of one per byte.  Everything in a request comes from the guest and
 * is checked before use: the request is copied once (the guest cannot change
 * it under us), every segment goes through gpa_check, and a malformed request
 * writes nothing and gets PV_ERR_MALFORMED.  The host's write error travels
 * back in result, so that the guest's write() fails as on Linux. */
#include <stddef.h>
#include <string.h>

#include <hw/exosim_pv.h>

#include "console.h"
#include "device.h"
#include "kvm.h"

static int32_t console_request(const struct guest_mem *mem, const char *name, const void *request)
{
	const struct pv_console_req *req = request;
	if (req->stream != CONSOLE_STDOUT && req->stream != CONSOLE_STDERR) {
		device_bad_request(name, "stream %u", req->stream);
		return PV_ERR_MALFORMED;
	}
	if (req->nsegs > PV_CONSOLE_MAX_SEGS) {
		device_bad_request(name, "%u segments (at most %d)", req->nsegs,
		                   PV_CONSOLE_MAX_SEGS);
		return PV_ERR_MALFORMED;
	}
	struct iovec iov[PV_CONSOLE_MAX_SEGS];
	for (uint32_t i = 0; i < req->nsegs; i++) {
		if (req->seg[i].len > PV_CONSOLE_MAX_SEG_LEN) {
			device_bad_request(name, "a segment of %u bytes (at most %u)",
			                   req->seg[i].len, PV_CONSOLE_MAX_SEG_LEN);
			return PV_ERR_MALFORMED;
		}
		iov[i].iov_base = gpa_check(mem, req->seg[i].paddr, req->seg[i].len, name);
		iov[i].iov_len = req->seg[i].len;
		if (!iov[i].iov_base)
			return PV_ERR_MALFORMED;
	}
	/* At most 32 MiB in all: the count fits in the int32 result. */
	return (int32_t)console_writev((int)req->stream, iov, (int)req->nsegs);
}

static int pvconsole_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	struct pv_console_req req;
	return device_pv_access(vm, dev, a, PV_CONSOLE_MAGIC, &req, sizeof(req),
	                        offsetof(struct pv_console_req, result), console_request);
}

static const struct device pvconsole_device = {.name = "pv-console",
                                               .space = DEV_PORT,
                                               .base = PV_CONSOLE_PORT,
                                               .len = 4,
                                               .access = pvconsole_access};

static void pvconsole_setup(struct vm *vm)
{
	(void)vm;
	device_register_or_fail(&pvconsole_device);
}

const struct dev_module dev_pvconsole_module = {.name = "pv-console", .setup = pvconsole_setup};
