/* Paravirtual console input (include/hw/exosim_pv.h): fills the guest's ring
 * (include/exo/console.h) with as much of exosim's stdin as is ready, one VM
 * exit per batch (version 1, the synchronous fill), or offers the
 * asynchronous mode of version 2 (stdin_async.c) where KVM can interrupt.  The request and the
 * ring's header are copied once and checked (gpa_check for the whole ring, the indices against its
 * size) before anything is read, so no input is consumed for a ring that cannot take it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <exo/console.h>
#include <hw/exosim_pv.h>

#include "console.h"
#include "device.h"
#include "kvm.h"
#include "stdin_async.h"

/* An end of input or error that stdin reported after some bytes of a batch:
 * the answer to the next fill that finds the ring empty. */
static bool end_pending;
static int32_t end_result;

/* Reads into the ring's free space from *head on, the first read blocking,
 * the rest only while stdin has bytes ready.  Returns the bytes added, or the
 * first read's end (0) or error. */
static int32_t fill(uint8_t *data, uint32_t size, uint64_t tail, uint64_t *head)
{
	uint32_t added = 0;
	while (*head - tail < size) {
		uint32_t at = (uint32_t)(*head & (size - 1));
		uint32_t room = size - (uint32_t)(*head - tail);
		uint32_t len = room < size - at ? room : size - at; /* up to the wrap */
		long n = added ? console_read_ready(data + at, len) : console_read(data + at, len);
		if (n == -EAGAIN && added)
			break; /* nothing more ready: the batch ends here */
		if (n <= 0 && !added)
			return (int32_t)n;
		if (n <= 0) {
			end_pending = true, end_result = (int32_t)n;
			break;
		}
		*head += (uint64_t)n;
		added += (uint32_t)n;
	}
	return (int32_t)added;
}

/* The ring a request names, checked whole: its host address, or NULL (said
 * and counted). */
static uint8_t *ring_of(const struct guest_mem *mem, const char *name,
                        const struct pv_console_in *req)
{
	if (req->size < 4096 || req->size > PV_CONSOLE_IN_RING_MAX ||
	    (req->size & (req->size - 1))) {
		device_bad_request(name, "a ring of %u bytes (a power of two, 4096..%u)", req->size,
		                   PV_CONSOLE_IN_RING_MAX);
		return NULL;
	}
	return gpa_check(mem, req->ring, 4096 + (uint64_t)req->size, name);
}

static int32_t input_request(const struct guest_mem *mem, const char *name, const void *request)
{
	const struct pv_console_in *req = request;
	if (stdin_async_attached()) {
		device_bad_request(name, "a synchronous fill of a ring attached for asynchronous "
		                         "input (it has one writer)");
		return PV_ERR_MALFORMED;
	}
	uint8_t *ring = ring_of(mem, name, req);
	if (!ring)
		return PV_ERR_MALFORMED;
	struct exo_console_ring hdr;
	memcpy(&hdr, ring, sizeof(hdr));
	if (hdr.head - hdr.tail > req->size) {
		device_bad_request(
		        name,
		        "ring indices head %#llx, tail %#llx: more than the ring's %u bytes apart",
		        (unsigned long long)hdr.head, (unsigned long long)hdr.tail, req->size);
		return PV_ERR_MALFORMED;
	}
	if (hdr.head != hdr.tail)
		return (int32_t)(hdr.head - hdr.tail);
	if (end_pending) {
		end_pending = false;
		return end_result;
	}
	int32_t r = fill(ring + 4096, req->size, hdr.tail, &hdr.head);
	memcpy(ring + offsetof(struct exo_console_ring, head), &hdr.head, sizeof(hdr.head));
	return r;
}

/* What `inl` from the port says: version 2 and its pin where the
 * asynchronous mode is offered, else all ones (version 1). */
static uint32_t identity;

static int pvstdin_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	struct pv_console_in req;
	return device_pv_access(vm, dev, a, identity, &req, sizeof(req),
	                        offsetof(struct pv_console_in, result), input_request);
}

static int32_t async_request(const struct guest_mem *mem, const char *name, const void *request)
{
	const struct pv_console_in *req = request;
	uint8_t *ring = ring_of(mem, name, req);
	return ring ? stdin_async_request(name, req, ring) : PV_ERR_MALFORMED;
}

static int pvstdin_async_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	struct pv_console_in req;
	return device_pv_access(vm, dev, a, 0, &req, sizeof(req),
	                        offsetof(struct pv_console_in, result), async_request);
}

static const struct device pvstdin_device = {.name = "pv-stdin",
                                             .space = DEV_PORT,
                                             .base = PV_CONSOLE_IN_PORT,
                                             .len = 4,
                                             .access = pvstdin_access};

static const struct device pvstdin_async_device = {.name = "pv-stdin",
                                                   .space = DEV_PORT,
                                                   .base = PV_CONSOLE_IN_ASYNC_PORT,
                                                   .len = 4,
                                                   .access = pvstdin_async_access};

/* A batch holds what stdin has ready, and a Linux pipe holds 64 KiB unless
 * asked for more: a larger pipe lets a fast writer (`cat file | exosim`) fill
 * a whole ring per exit.  Only the capacity changes, nothing a reader or
 * writer sees otherwise; where it is refused (not a pipe, over the user's
 * pipe quota) batches stay at 64 KiB. */
#define STDIN_PIPE_BYTES (256 * 1024)

static void pvstdin_setup(struct vm *vm)
{
	end_pending = false;
	(void)fcntl(STDIN_FILENO, F_SETPIPE_SZ, STDIN_PIPE_BYTES);
	identity = ~0u;
	if (stdin_async_setup(vm)) {
		identity = PV_CONSOLE_IN_ID | STDIN_ASYNC_PIN << 8 | PV_CONSOLE_IN_VERSION;
		device_register_or_fail(&pvstdin_async_device);
	}
	device_register_or_fail(&pvstdin_device);
}

const struct dev_module dev_pvstdin_module = {.name = "pv-stdin", .setup = pvstdin_setup};
