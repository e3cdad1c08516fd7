/* The console: exosim's paravirtual console where it exists (one VM exit per
 * buffer), else COM1 for stdout and the Bochs/QEMU debug port for stderr (one
 * exit per byte, which only QEMU's TCG can afford). */
#include <exo/errno.h>
#include <exo/kinfo.h>
#include <exo/memlayout.h>
#include <exo/syscall.h>
#include <hw/exosim_pv.h>

#include "arch.h"
#include "gate.h"
#include "ioapic.h"
#include "kernel.h"
#include "lapic.h"
#include "pagetable.h"
#include "sched.h"
#include "trap.h"
#include "uaccess.h"
#include "wakeup.h"
#include "x86.h"

static bool paravirtual;
static bool have_debugcon;
static struct pv_console_req pv_req __attribute__((aligned(64)));

#define COM1_LSR (PV_COM1_PORT + 5)
#define LSR_THRE 0x20

void console_init(void)
{
	paravirtual = inl(PV_CONSOLE_PORT) == PV_CONSOLE_MAGIC;
	if (!paravirtual)
		have_debugcon = inb(PV_DEBUGCON_PORT) == PV_DEBUGCON_READBACK;
}

bool console_is_paravirtual(void)
{
	return paravirtual;
}

static void port_write(int stream, const char *p, size_t len)
{
	bool debugcon = stream == EXO_STDERR && have_debugcon;
	for (size_t i = 0; i < len; i++) {
		if (debugcon) {
			outb(PV_DEBUGCON_PORT, (uint8_t)p[i]);
			continue;
		}
		while (!(inb(COM1_LSR) & LSR_THRE))
			;
		outb(PV_COM1_PORT, (uint8_t)p[i]);
	}
}

/* exosim's answer (include/hw/exosim_pv.h) as the console call's result:
 * bytes, or the host's write error as Linux reports it to a writer (EPIPE,
 * ENOSPC; anything else is EIO).  A request exosim refused is a kernel bug:
 * EIO, never silence. */
static long pv_result(int32_t r)
{
	if (r >= 0)
		return r;
	if (r == -EXO_EPIPE || r == -EXO_ENOSPC || r == -EXO_EINTR)
		return r;
	return -EXO_EIO;
}

static long pv_flush(void)
{
	long r = 0;
	if (pv_req.nsegs) {
		pv_req.result = PV_RESULT_NONE;
		outl(PV_CONSOLE_PORT, (uint32_t)kpa(&pv_req));
		r = pv_result(pv_req.result);
	}
	pv_req.nsegs = 0;
	return r;
}

/* Queue [pa, pa+len) for the paravirtual console, merging with the previous
 * segment when physically contiguous. */
static void pv_add(uint64_t pa, uint32_t len)
{
	if (pv_req.nsegs) {
		struct pv_console_seg *last = &pv_req.seg[pv_req.nsegs - 1];
		if (last->paddr + last->len == pa && last->len + len <= PV_CONSOLE_MAX_SEG_LEN) {
			last->len += len;
			return;
		}
	}
	if (pv_req.nsegs == PV_CONSOLE_MAX_SEGS)
		pv_flush();
	pv_req.seg[pv_req.nsegs].paddr = pa;
	pv_req.seg[pv_req.nsegs].len = len;
	pv_req.nsegs++;
}

/* Kernel buffers only (they live in the direct map). */
void console_write(int stream, const char *buf, size_t len)
{
	if (!paravirtual) {
		port_write(stream, buf, len);
		return;
	}
	pv_req.stream = (uint32_t)stream;
	pv_req.nsegs = 0;
	pv_add(kpa(buf), (uint32_t)len);
	pv_flush();
}

/* Without the PV console every byte is a port write anyway (QEMU's TCG): the
 * buffer, already checked whole, goes out through a small bounce buffer. */
static long port_write_user(uint64_t pml4, int stream, uint64_t buf, uint64_t len)
{
	char bounce[256];
	for (uint64_t done = 0; done < len;) {
		size_t n = len - done < sizeof(bounce) ? len - done : sizeof(bounce);
		if (copy_from_user(pml4, bounce, buf + done, n))
			return -EXO_EFAULT;
		port_write(stream, bounce, n);
		done += n;
	}
	return (long)len;
}

/* Write a user buffer.  Every page is checked (mapped, user-accessible) before
 * a byte is written, so a bad buffer writes nothing.  EXO_CONSOLE_WRITE_MAX
 * spans at most 17 pages, fewer than PV_CONSOLE_MAX_SEGS, so the request is
 * never flushed before the whole buffer has been checked. */
_Static_assert(EXO_CONSOLE_WRITE_MAX / 4096 + 1 <= PV_CONSOLE_MAX_SEGS, "segments");

long console_write_user(uint64_t pml4, int stream, uint64_t buf, uint64_t len)
{
	if (stream != EXO_STDOUT && stream != EXO_STDERR)
		return -EXO_EINVAL;
	if (len > EXO_CONSOLE_WRITE_MAX)
		return -EXO_EINVAL;
	if (!user_range_ok(buf, len))
		return -EXO_EFAULT;
	pv_req.stream = (uint32_t)stream;
	pv_req.nsegs = 0;
	uint64_t end = buf + len;
	for (uint64_t va = buf; va < end;) {
		uint64_t page_end = ROUNDDOWN(va, EXO_PAGE_SIZE) + EXO_PAGE_SIZE;
		uint64_t chunk = (page_end < end ? page_end : end) - va;
		uint64_t pa = user_phys(pml4, va, false);
		if (pa == UACCESS_NO_PAGE) {
			pv_req.nsegs = 0;
			return -EXO_EFAULT;
		}
		if (paravirtual)
			pv_add(pa, (uint32_t)chunk);
		va += chunk;
	}
	if (!paravirtual)
		return port_write_user(pml4, stream, buf, len);
	return pv_flush(); /* bytes written, or the host's error */
}

/* Console input through exosim's ring (include/exo/console.h): the kernel
 * only lends the pages and rings the doorbell.  Readers take bytes in ring 3;
 * a fill is one crossing and one VM exit per batch, whatever its size.  The
 * request names the ring by physical address and lives here, out of every
 * environment's reach; exosim checks the indices readers can write.  QEMU has
 * no such device: no ring, and EXO_SYS_CONSOLE_FILL says ENOSYS.  Where exosim
 * offers it, input arrives by itself (EXO_KINFO_CONSOLE_ASYNC): exosim fills
 * the ring from its I/O thread and raises an interrupt per batch, readers
 * sleep on a wakeup predicate over the ring, and a fill is only a kick. */
#define CONSOLE_IN_BYTES (256u * 1024u)
_Static_assert(CONSOLE_IN_BYTES <= PV_CONSOLE_IN_RING_MAX, "ring size");

static uint8_t console_in_ring[EXO_PAGE_SIZE + CONSOLE_IN_BYTES]
        __attribute__((aligned(EXO_PAGE_SIZE)));
static struct pv_console_in fill_req __attribute__((aligned(16)));

static bool async_input; /* exosim delivers by itself (exosim_pv.h, version 2) */

/* Input arrived (exosim raises the pin only when a reader said it sleeps).
 * From the idle loop the return is the wake-up: its next turn evaluates the
 * sleepers.  From ring 3 the readers' predicates (over the ring's `posted`)
 * are evaluated here, and one that now holds gets the CPU at once, as a
 * device interrupt's wake-up does (sched.h: wake-up preemption), instead of
 * waiting for the running environment's tick.  Nonzero: entry.S saves the
 * whole frame for sched_irq_switch. */
uint64_t console_irq(uint64_t cs)
{
	if (!(cs & 3)) {
		lapic_eoi();
		return 0;
	}
	uint64_t before = sched_runnable_set();
	if (sleeping)
		wakeup_poll();
	lapic_eoi();
	return sched_irq_woke(before, true);
}

/* exosim's version 2 delivers input without being asked: the pin it names is
 * routed here first, then the ring attached.  Anything short of that leaves
 * the synchronous fill of version 1. */
static void attach_async(void)
{
	uint32_t id = inl(PV_CONSOLE_IN_PORT);
	if ((id & PV_CONSOLE_IN_ID_MASK) != PV_CONSOLE_IN_ID ||
	    (id & 0xffu) < PV_CONSOLE_IN_VERSION)
		return;
	cpu_set_console_irq(IRQ_CONSOLE);
	if (ioapic_route(PV_CONSOLE_IN_PIN(id), IRQ_CONSOLE))
		return;
	fill_req.result = PV_RESULT_NONE;
	outl(PV_CONSOLE_IN_ASYNC_PORT, (uint32_t)kpa(&fill_req));
	if (fill_req.result != 0)
		return;
	async_input = true;
	kinfo_page.flags |= EXO_KINFO_CONSOLE_ASYNC;
}

void console_export(void)
{
	if (!paravirtual)
		return;
	export_map(EXO_CONSOLE_IN, kpa(console_in_ring), PTE_W | PTE_NX);
	export_map_range(EXO_CONSOLE_IN_DATA, kpa(console_in_ring + EXO_PAGE_SIZE),
	                 CONSOLE_IN_BYTES, PTE_NX);
	fill_req.ring = kpa(console_in_ring);
	fill_req.size = CONSOLE_IN_BYTES;
	kinfo_page.console_in_size = CONSOLE_IN_BYTES;
	attach_async();
}

/* Asynchronous mode: a kick (exosim reads on if it had stopped), 0; a ring the
 * readers broke, -EXO_EIO. */
static long console_kick(void)
{
	fill_req.result = PV_RESULT_NONE;
	outl(PV_CONSOLE_IN_ASYNC_PORT, (uint32_t)kpa(&fill_req));
	return fill_req.result == 0 ? 0 : -EXO_EIO;
}

long console_fill(void)
{
	if (!paravirtual)
		return -EXO_ENOSYS;
	if (async_input)
		return console_kick();
	fill_req.result = PV_RESULT_NONE;
	outl(PV_CONSOLE_IN_PORT, (uint32_t)kpa(&fill_req));
	int32_t r = fill_req.result;
	if (r >= 0)
		return r <= (int32_t)CONSOLE_IN_BYTES ? r
		                                      : -EXO_EIO; /* more breaks exosim's word */
	return r == -EXO_EINTR ? -EXO_EINTR : -EXO_EIO; /* malformed: a reader broke the ring */
}
