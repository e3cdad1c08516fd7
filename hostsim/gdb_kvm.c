/* exosim --gdb: the machine gdb debugs (gdb.h).  The stub (gdb_stub.c) talks
 * to gdb; this file gives it the vCPU's registers, guest memory at virtual
 * addresses, and breakpoints, and decides when the guest stops:
 *
 *   - KVM's guest debugging (KVM_SET_GUEST_DEBUG): software breakpoints and
 *     single steps in ring 0, and everywhere on VT-x/SVM hosts;
 *   - the kernel's debug agent (PV_GDB_PORT, include/hw/exosim_pv.h): #BP,
 *     #DB and fatal exceptions from ring 3, which KVM on PVM does not
 *     intercept.  The registers are then the trap frame's;
 *   - SIGIO on the client's socket: gdb's Ctrl-C, or (--gdb-no-wait) a client
 *     connecting, kicks the vCPU out of KVM_RUN.
 *
 * Software breakpoints are an int3 byte written into guest RAM through the
 * page tables, and into the program's file in the initramfs, so that one set
 * before the program is loaded (break main) is in every copy loaded later. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <exo/memlayout.h>
#include <exo/status.h>
#include <hw/exosim_pv.h>

#include "deadline.h"
#include "device.h"
#include "elf64.h"
#include "fail.h"
#include "gdb.h"
#include "gdb_env.h"
#include "gdb_initrd.h"
#include "gdb_stub.h"
#include "kvm.h"
#include "linux.h" /* LINUX_PIE_BASE: where ExOS places a static-pie program */
#include "options.h"
#include "unix_status.h"

#define SW_MAX      256 /* software breakpoints gdb may have */
#define SW_COPIES   5   /* places one breakpoint's byte is written */
#define INT3        0xcc
#define RFLAGS_TF   0x100ull
#define RFLAGS_RF   0x10000ull
#define CR0_PG      0x80000000ull
#define EFER_LMA    0x400ull
#define PTE_P       1ull
#define PTE_PS      0x80ull
#define PTE_ADDR    0x000ffffffffff000ull
#define DR6_BS      0x4000ull
#define DR6_CLEAR   0xffff0ff0ull
#define SIG_INT     2
#define SIG_ABRT    6
#define SIG_TRAP    5
#define SIG_SEGV    11
#define STATUS_KILL 137 /* gdb's kill: as a program killed with SIGKILL */

struct swbp {
	uint64_t addr;
	uint8_t orig;
	bool inserted; /* false: removed, kept to clean up stale copies */
	size_t ncopies;
	uint64_t copy[SW_COPIES]; /* guest-physical addresses holding the int3 */
};

struct hwbp {
	bool used;
	int type; /* GDB_BP_HW, GDB_WP_* */
	uint64_t addr, len;
};

static struct {
	bool enabled, wait;
	int listen_fd, fd; /* fd: the client, -1 when none */
	char where[80];    /* host:port, for the banner */
	struct vm *vm;
	struct gdb_stub stub;
	struct pv_gdb_frame *frame; /* an agent stop: the registers are here */
	bool stepping, step_tf;     /* a step in flight; by TF (ring 3) or by KVM */
	uint64_t step_rip;          /* where the step started */
	uint64_t step_cr3;          /* the environment being stepped */
	uint64_t step_back_gpa;     /* the int3 that ends a detour through ExOS, or 0 */
	uint8_t step_back_orig;
	uint64_t exos_lo, exos_hi; /* ExOS's code, when it runs a Linux program */
	bool resume_rf;            /* resume past an instruction breakpoint */
	struct swbp sw[SW_MAX];
	size_t nsw;
	struct hwbp hw[4];
	uint32_t sel; /* the thread gdb selected (Hg) if not the current one, else 0 */
} g = {.listen_fd = -1, .fd = -1};

static struct kvm_run *volatile kicked_run;

bool gdb_enabled(void)
{
	return g.enabled;
}

const char *gdb_cmdline(void)
{
	return g.enabled ? " exo.gdb=1" : "";
}

/* --- registers --- */

static int vcpu(unsigned long req, void *arg)
{
	return ioctl(g.vm->vcpu_fd, req, arg);
}

/* The x87 tag word from FXSAVE's abridged one: valid or empty. */
static uint32_t full_ftag(uint8_t abridged)
{
	uint32_t t = 0;
	for (int i = 0; i < 8; i++)
		t |= (abridged >> i & 1 ? 0u : 3u) << (2 * i);
	return t;
}

static uint8_t abridged_ftag(uint32_t full)
{
	uint8_t t = 0;
	for (int i = 0; i < 8; i++)
		t |= (uint8_t)(((full >> (2 * i) & 3) != 3) << i);
	return t;
}

static const int seg_regs[6] = {GDB_CS, GDB_SS, GDB_DS, GDB_ES, GDB_FS, GDB_GS};

static void gprs_from_frame(struct gdb_regs *r, const struct pv_gdb_frame *f)
{
	const uint64_t v[18] = {f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi,
	                        f->rbp, f->rsp, f->r8,  f->r9,  f->r10, f->r11,
	                        f->r12, f->r13, f->r14, f->r15, f->rip, f->rflags};
	for (int i = 0; i < 18; i++)
		gdb_reg_set(r, i, v[i]);
	gdb_reg_set(r, GDB_CS, f->cs);
	gdb_reg_set(r, GDB_SS, f->ss);
}

static void gprs_from_kvm(struct gdb_regs *r, const struct kvm_regs *k)
{
	const uint64_t v[18] = {k->rax, k->rbx, k->rcx, k->rdx, k->rsi, k->rdi,
	                        k->rbp, k->rsp, k->r8,  k->r9,  k->r10, k->r11,
	                        k->r12, k->r13, k->r14, k->r15, k->rip, k->rflags};
	for (int i = 0; i < 18; i++)
		gdb_reg_set(r, i, v[i]);
}

static void fpu_from_fxsave(struct gdb_regs *r, const uint8_t *fx);
static int saved_regs(struct gdb_regs *r);

static int get_regs(void *t, struct gdb_regs *r)
{
	(void)t;
	if (g.sel)
		return saved_regs(r);
	struct kvm_regs k;
	struct kvm_sregs s;
	struct kvm_fpu f;
	if (vcpu(KVM_GET_REGS, &k) || vcpu(KVM_GET_SREGS, &s) || vcpu(KVM_GET_FPU, &f))
		return -1;
	memset(r, 0, sizeof(*r));
	gprs_from_kvm(r, &k);
	const struct kvm_segment *segs[6] = {&s.cs, &s.ss, &s.ds, &s.es, &s.fs, &s.gs};
	for (int i = 0; i < 6; i++)
		gdb_reg_set(r, seg_regs[i], segs[i]->selector);
	if (g.frame)
		gprs_from_frame(r, g.frame);
	for (int i = 0; i < 8; i++)
		memcpy(r->b + gdb_reg_offset(GDB_ST0 + i), f.fpr[i], 10);
	gdb_reg_set(r, GDB_FCTRL, f.fcw);
	gdb_reg_set(r, GDB_FSTAT, f.fsw);
	gdb_reg_set(r, GDB_FTAG, full_ftag(f.ftwx));
	gdb_reg_set(r, GDB_FIOFF, f.last_ip);
	gdb_reg_set(r, GDB_FOOFF, f.last_dp);
	gdb_reg_set(r, GDB_FOP, f.last_opcode);
	for (int i = 0; i < 16; i++)
		memcpy(r->b + gdb_reg_offset(GDB_XMM0 + i), f.xmm[i], 16);
	gdb_reg_set(r, GDB_MXCSR, f.mxcsr);
	gdb_reg_set(r, GDB_FS_BASE, s.fs.base);
	gdb_reg_set(r, GDB_GS_BASE, s.gs.base);
	const uint64_t sys[6] = {s.cr0, s.cr2, s.cr3, s.cr4, s.cr8, s.efer};
	for (int i = 0; i < 6; i++)
		gdb_reg_set(r, GDB_CR0 + i, sys[i]);
	return 0;
}

static bool reg_changed(const struct gdb_regs *a, const struct gdb_regs *b, int n)
{
	return memcmp(a->b + gdb_reg_offset(n), b->b + gdb_reg_offset(n), gdb_reg_size(n)) != 0;
}

static void gprs_to_frame(const struct gdb_regs *r, struct pv_gdb_frame *f)
{
	uint64_t *v[18] = {&f->rax, &f->rbx, &f->rcx, &f->rdx, &f->rsi, &f->rdi,
	                   &f->rbp, &f->rsp, &f->r8,  &f->r9,  &f->r10, &f->r11,
	                   &f->r12, &f->r13, &f->r14, &f->r15, &f->rip, &f->rflags};
	for (int i = 0; i < 18; i++)
		*v[i] = gdb_reg_get(r, i);
}

static int set_gprs(const struct gdb_regs *r)
{
	if (g.frame) {
		gprs_to_frame(r, g.frame);
		return 0;
	}
	struct kvm_regs k;
	if (vcpu(KVM_GET_REGS, &k))
		return -1;
	__u64 *v[18] = {&k.rax, &k.rbx, &k.rcx, &k.rdx, &k.rsi, &k.rdi, &k.rbp, &k.rsp, &k.r8,
	                &k.r9,  &k.r10, &k.r11, &k.r12, &k.r13, &k.r14, &k.r15, &k.rip, &k.rflags};
	for (int i = 0; i < 18; i++)
		*v[i] = gdb_reg_get(r, i);
	return vcpu(KVM_SET_REGS, &k);
}

static int set_fpu(const struct gdb_regs *r)
{
	struct kvm_fpu f;
	if (vcpu(KVM_GET_FPU, &f))
		return -1;
	for (int i = 0; i < 8; i++)
		memcpy(f.fpr[i], r->b + gdb_reg_offset(GDB_ST0 + i), 10);
	f.fcw = (uint16_t)gdb_reg_get(r, GDB_FCTRL);
	f.fsw = (uint16_t)gdb_reg_get(r, GDB_FSTAT);
	f.ftwx = abridged_ftag((uint32_t)gdb_reg_get(r, GDB_FTAG));
	f.last_ip = gdb_reg_get(r, GDB_FIOFF);
	f.last_dp = gdb_reg_get(r, GDB_FOOFF);
	f.last_opcode = (uint16_t)gdb_reg_get(r, GDB_FOP);
	for (int i = 0; i < 16; i++)
		memcpy(f.xmm[i], r->b + gdb_reg_offset(GDB_XMM0 + i), 16);
	f.mxcsr = (uint32_t)gdb_reg_get(r, GDB_MXCSR);
	return vcpu(KVM_SET_FPU, &f);
}

/* The general registers, rip and eflags go to the frame or the vCPU; the x87
 * and SSE state and fs_base/gs_base to the vCPU.  Segment selectors and
 * control registers are refused: changing them safely needs descriptors and
 * page tables gdb knows nothing of. */
static int set_regs(void *t, const struct gdb_regs *r)
{
	struct gdb_regs now;
	if (g.sel) /* its saved frame is the kernel's to change; see saved_regs */
		return -1;
	if (get_regs(t, &now))
		return -1;
	for (int i = 0; i < 6; i++)
		if (reg_changed(r, &now, seg_regs[i]))
			return -1;
	for (int i = GDB_CR0; i <= GDB_EFER; i++)
		if (reg_changed(r, &now, i))
			return -1;
	if (memcmp(r->b, now.b, gdb_reg_offset(GDB_CS)) && set_gprs(r))
		return -1;
	if (memcmp(r->b + gdb_reg_offset(GDB_ST0), now.b + gdb_reg_offset(GDB_ST0),
	           gdb_reg_offset(GDB_FS_BASE) - gdb_reg_offset(GDB_ST0)) &&
	    set_fpu(r))
		return -1;
	if (reg_changed(r, &now, GDB_FS_BASE) || reg_changed(r, &now, GDB_GS_BASE)) {
		struct kvm_sregs s;
		if (vcpu(KVM_GET_SREGS, &s))
			return -1;
		s.fs.base = gdb_reg_get(r, GDB_FS_BASE);
		s.gs.base = gdb_reg_get(r, GDB_GS_BASE);
		return vcpu(KVM_SET_SREGS, &s);
	}
	return 0;
}

/* --- memory at guest-virtual addresses --- */

/* va's guest-physical address through the current page tables (CR3), and
 * how many bytes of its page follow.  Before paging is on, only the kernel's
 * addresses mean something: its direct map's (EXO_KERNBASE + physical), so
 * that gdb can set breakpoints in the kernel before it runs. */
static bool translate(uint64_t va, uint64_t *pa, uint64_t *left)
{
	struct kvm_sregs s;
	if (vcpu(KVM_GET_SREGS, &s))
		return false;
	struct gdb_env_state st;
	if (g.sel && gdb_env_saved(&g.vm->mem, g.sel, &st))
		s.cr3 = st.cr3; /* a selected environment's memory: its page tables */
	else if (g.sel)
		return false;
	if (!(s.cr0 & CR0_PG) || !(s.efer & EFER_LMA)) {
		if (va < EXO_KERNBASE) /* nothing of a program's is there yet */
			return false;
		*pa = va - EXO_KERNBASE;
		*left = 4096 - (va & 4095);
		return true;
	}
	if ((uint64_t)((int64_t)(va << 16) >> 16) != va) /* not canonical */
		return false;
	uint64_t table = s.cr3 & PTE_ADDR;
	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		const uint64_t *pte = gpa_ptr(&g.vm->mem, table + ((va >> shift) & 511) * 8, 8);
		if (!pte || !(*pte & PTE_P))
			return false;
		if (level == 1 || (level <= 3 && (*pte & PTE_PS))) {
			uint64_t size = 1ull << shift;
			*pa = ((*pte & PTE_ADDR) & ~(size - 1)) | (va & (size - 1));
			*left = size - (va & (size - 1));
			return true;
		}
		table = *pte & PTE_ADDR;
	}
	return false;
}

/* The host address of guest-virtual [va, va+len), within one page; NULL
 * where nothing is mapped or the page is not RAM. */
static uint8_t *guest_bytes(uint64_t va, size_t *len)
{
	uint64_t pa, left;
	if (!translate(va, &pa, &left))
		return NULL;
	if (*len > left)
		*len = (size_t)left;
	return gpa_ptr(&g.vm->mem, pa, *len);
}

static struct swbp *find_sw(uint64_t addr)
{
	for (size_t i = 0; i < g.nsw; i++)
		if (g.sw[i].addr == addr)
			return &g.sw[i];
	return NULL;
}

static int read_mem(void *t, uint64_t addr, uint8_t *buf, size_t len)
{
	(void)t;
	for (size_t done = 0; done < len;) {
		size_t n = len - done;
		uint8_t *p = guest_bytes(addr + done, &n);
		if (!p)
			return -1;
		memcpy(buf + done, p, n);
		done += n;
	}
	for (size_t i = 0; i < g.nsw; i++) /* gdb sees the code, not its breakpoints */
		if (g.sw[i].inserted && g.sw[i].addr - addr < len)
			buf[g.sw[i].addr - addr] = g.sw[i].orig;
	return 0;
}

static int write_mem(void *t, uint64_t addr, const uint8_t *buf, size_t len)
{
	(void)t;
	for (size_t done = 0; done < len;) { /* check it all first: no half writes */
		size_t n = len - done;
		if (!guest_bytes(addr + done, &n))
			return -1;
		done += n;
	}
	for (size_t done = 0; done < len;) {
		size_t n = len - done;
		uint8_t *p = guest_bytes(addr + done, &n);
		memcpy(p, buf + done, n);
		done += n;
	}
	for (size_t i = 0; i < g.nsw; i++) { /* a breakpoint there stays, over the new code */
		struct swbp *b = &g.sw[i];
		size_t one = 1;
		uint8_t *p;
		if (b->inserted && b->addr - addr < len && (p = guest_bytes(b->addr, &one))) {
			b->orig = *p;
			*p = INT3;
		}
	}
	return 0;
}

/* --- breakpoints --- */

static void add_copy(struct swbp *b, uint64_t gpa)
{
	for (size_t i = 0; i < b->ncopies; i++)
		if (b->copy[i] == gpa)
			return;
	if (b->ncopies < SW_COPIES)
		b->copy[b->ncopies++] = gpa;
}

/* Where addr is mapped in RAM now: through the running environment's page
 * tables and, if gdb selected another thread, that environment's (its copy
 * last: gdb reads the original byte there).  Returns how many (0..2). */
static size_t live_copies(uint64_t addr, uint64_t pa[2])
{
	size_t n = 0;
	uint64_t left;
	uint32_t sel = g.sel;
	g.sel = 0;
	if (translate(addr, &pa[n], &left) && gpa_ptr(&g.vm->mem, pa[n], 1))
		n++;
	g.sel = sel;
	if (sel && translate(addr, &pa[n], &left) && gpa_ptr(&g.vm->mem, pa[n], 1) &&
	    (n == 0 || pa[1] != pa[0]))
		n++;
	return n;
}

static int insert_sw(uint64_t addr)
{
	struct swbp *b = find_sw(addr);
	if (b && b->inserted)
		return 0;
	uint64_t gpa[SW_COPIES];
	size_t n = gdb_initrd_locate(&g.vm->mem, addr, gpa, SW_COPIES - 2);
	n += live_copies(addr, gpa + n);
	if (n == 0)
		return -1;
	if (!b) {
		if (g.nsw == SW_MAX)
			return -1;
		b = &g.sw[g.nsw++];
		*b = (struct swbp){.addr = addr};
	}
	uint8_t *first = gpa_ptr(&g.vm->mem, gpa[n - 1], 1); /* live if mapped */
	if (*first != INT3 || b->ncopies == 0)               /* else a stale copy: orig kept */
		b->orig = *first;
	b->ncopies = 0;
	for (size_t i = 0; i < n; i++) {
		*(uint8_t *)gpa_ptr(&g.vm->mem, gpa[i], 1) = INT3;
		add_copy(b, gpa[i]);
	}
	b->inserted = true;
	return 0;
}

/* Puts the original byte back wherever the int3 still is: the copies made
 * when it was inserted and, through the page tables, the running copy (and
 * the selected environment's). */
static void restore_sw(struct swbp *b)
{
	uint64_t pa[2];
	for (size_t i = 0, n = live_copies(b->addr, pa); i < n; i++)
		add_copy(b, pa[i]);
	for (size_t i = 0; i < b->ncopies; i++) {
		uint8_t *p = gpa_ptr(&g.vm->mem, b->copy[i], 1);
		if (p && *p == INT3)
			*p = b->orig;
	}
}

static int remove_sw(uint64_t addr)
{
	struct swbp *b = find_sw(addr);
	if (!b || !b->inserted)
		return -1;
	restore_sw(b);
	b->inserted = false;
	return 0;
}

/* DR7 for gdb's hardware breakpoints and watchpoints in g.hw. */
static uint64_t hw_dr7(void)
{
	static const uint64_t rw[] = {
	        [GDB_BP_HW] = 0, [GDB_WP_WRITE] = 1, [GDB_WP_READ] = 3, [GDB_WP_ACCESS] = 3};
	static const uint64_t lenbits[9] = {[1] = 0, [2] = 1, [4] = 3, [8] = 2};
	uint64_t dr7 = 0x400; /* the bit that reads as one */
	for (int i = 0; i < 4; i++)
		if (g.hw[i].used)
			dr7 |= 1ull << (2 * i) | rw[g.hw[i].type] << (16 + 4 * i) |
			       (g.hw[i].type == GDB_BP_HW ? 0 : lenbits[g.hw[i].len])
			               << (18 + 4 * i);
	return dr7;
}

/* KVM on PVM (measured 2026-12-03): neither the guest's own DR0-3/DR7 nor
 * KVM_GUESTDBG_USE_HW_BP raise a #DB for an access in guest ring 3, so a
 * watchpoint there would silently never fire.  In ring 0, whose code PVM
 * emulates, instruction breakpoints do fire (both ways: hbreak sched_tick and
 * sys_console_write stopped), but data breakpoints do not: a write watchpoint
 * (len 4 and 8) and an access watchpoint on kinfo_page.ticks, which
 * sched_tick increments every tick, never fired in 25-120 s of ticks, with
 * KVM_GUESTDBG_USE_HW_BP or with the guest's own DR7.  So on PVM gdb's
 * hardware breakpoints on the kernel's addresses go to KVM (set_guest_debug)
 * and stop with KVM_EXIT_DEBUG; one on a user address is refused (E..), and
 * watchpoints are refused as unsupported: gdb then watches in software,
 * single-stepping (slow, but it fires). */
static bool ring3_debug_registers(void)
{
	return access("/sys/module/kvm_pvm", F_OK) != 0;
}

/* Elsewhere the guest's own debug registers hold them: their #DB reaches the
 * kernel's agent in every ring. */
static int load_debugregs(void)
{
	struct kvm_debugregs d;
	if (!ring3_debug_registers())
		return 0; /* KVM holds them: set_guest_debug at the next resume */
	if (vcpu(KVM_GET_DEBUGREGS, &d))
		return -1;
	d.dr7 = hw_dr7();
	for (int i = 0; i < 4; i++)
		d.db[i] = g.hw[i].used ? g.hw[i].addr : 0;
	return vcpu(KVM_SET_DEBUGREGS, &d);
}

static int insert_hw(int type, uint64_t addr, uint64_t len)
{
	if (!ring3_debug_registers() && type != GDB_BP_HW)
		return 1; /* "not supported": gdb falls back to software */
	if (!ring3_debug_registers() && addr < EXO_KERNBASE)
		return -1; /* E..: Z1 stays usable for the kernel's addresses */
	if (type != GDB_BP_HW && (len > 8 || len == 0 || (len & (len - 1)) || addr % len))
		return -1; /* gdb splits unaligned ranges itself when told E.. */
	for (int i = 0; i < 4; i++)
		if (!g.hw[i].used) {
			g.hw[i] = (struct hwbp){true, type, addr, type == GDB_BP_HW ? 1 : len};
			return load_debugregs();
		}
	return -1;
}

static int remove_hw(int type, uint64_t addr)
{
	for (int i = 0; i < 4; i++)
		if (g.hw[i].used && g.hw[i].type == type && g.hw[i].addr == addr) {
			g.hw[i].used = false;
			return load_debugregs();
		}
	return -1;
}

static int insert_bp(void *t, int type, uint64_t addr, uint64_t kind)
{
	(void)t;
	return type == GDB_BP_SW ? insert_sw(addr) : insert_hw(type, addr, kind);
}

static int remove_bp(void *t, int type, uint64_t addr, uint64_t kind)
{
	(void)t, (void)kind;
	return type == GDB_BP_SW ? remove_sw(addr) : remove_hw(type, addr);
}

/* --- environments as threads (gdb_env.c) --- */

/* The x87 and SSE registers from an FXSAVE image (NULL: never saved, the
 * initial state FNINIT and the kernel load: FCW 0x37f, MXCSR 0x1f80). */
static void fpu_from_fxsave(struct gdb_regs *r, const uint8_t *fx)
{
	if (!fx) {
		gdb_reg_set(r, GDB_FCTRL, 0x37f);
		gdb_reg_set(r, GDB_FTAG, 0xffff);
		gdb_reg_set(r, GDB_MXCSR, 0x1f80);
		return;
	}
	uint16_t fcw, fsw, fop;
	uint32_t mxcsr;
	uint64_t fip, fdp;
	memcpy(&fcw, fx, 2);
	memcpy(&fsw, fx + 2, 2);
	memcpy(&fop, fx + 6, 2);
	memcpy(&fip, fx + 8, 8);
	memcpy(&fdp, fx + 16, 8);
	memcpy(&mxcsr, fx + 24, 4);
	gdb_reg_set(r, GDB_FCTRL, fcw);
	gdb_reg_set(r, GDB_FSTAT, fsw);
	gdb_reg_set(r, GDB_FTAG, full_ftag(fx[4]));
	gdb_reg_set(r, GDB_FIOFF, fip);
	gdb_reg_set(r, GDB_FOOFF, fdp);
	gdb_reg_set(r, GDB_FOP, fop);
	gdb_reg_set(r, GDB_MXCSR, mxcsr);
	for (int i = 0; i < 8; i++)
		memcpy(r->b + gdb_reg_offset(GDB_ST0 + i), fx + 32 + 16 * i, 10);
	for (int i = 0; i < 16; i++)
		memcpy(r->b + gdb_reg_offset(GDB_XMM0 + i), fx + 160 + 16 * i, 16);
}

/* A selected environment that does not run: the registers it will resume
 * with, as the kernel saved them (its trap frame, FS and GS bases, FPU area,
 * page-table root).  The control registers but CR3 are every environment's,
 * the vCPU's.  Writes are refused (set_regs):
 * the stop may be in the kernel while it changes that frame, and a frame
 * saved at a system call resumes in the libOS, not where gdb thinks. */
static int saved_regs(struct gdb_regs *r)
{
	struct gdb_env_state st;
	struct kvm_sregs s;
	if (!gdb_env_saved(&g.vm->mem, g.sel, &st) || vcpu(KVM_GET_SREGS, &s))
		return -1;
	memset(r, 0, sizeof(*r));
	gprs_from_frame(r, &st.tf);
	for (int i = 2; i < 6; i++) /* ring 3's data selectors are its stack's */
		gdb_reg_set(r, seg_regs[i], st.tf.ss);
	fpu_from_fxsave(r, st.fxsave);
	gdb_reg_set(r, GDB_FS_BASE, st.fs_base);
	gdb_reg_set(r, GDB_GS_BASE, st.gs_base);
	const uint64_t sys[6] = {s.cr0, s.cr2, st.cr3, s.cr4, s.cr8, s.efer};
	for (int i = 0; i < 6; i++)
		gdb_reg_set(r, GDB_CR0 + i, sys[i]);
	return 0;
}

static uint32_t thread_current(void *t)
{
	(void)t;
	return gdb_env_current(&g.vm->mem);
}

static size_t thread_list(void *t, uint32_t *ids, size_t max)
{
	(void)t;
	return gdb_env_list(&g.vm->mem, ids, max);
}

static int thread_select(void *t, uint32_t id)
{
	struct gdb_env_state st;
	if (id == 0 || id == thread_current(t)) {
		g.sel = 0;
		return 0;
	}
	if (!gdb_env_saved(&g.vm->mem, id, &st))
		return -1;
	g.sel = id;
	return 0;
}

static int thread_describe(void *t, uint32_t id, char *buf, size_t cap)
{
	(void)t;
	return gdb_env_describe(&g.vm->mem, id, buf, cap) ? 0 : -1;
}

static const struct gdb_target_ops kvm_ops = {
        .get_regs = get_regs,
        .set_regs = set_regs,
        .read_mem = read_mem,
        .write_mem = write_mem,
        .insert_bp = insert_bp,
        .remove_bp = remove_bp,
        .thread_current = thread_current,
        .thread_list = thread_list,
        .thread_select = thread_select,
        .thread_describe = thread_describe,
};

/* --- the connection --- */

static void on_sigio(int sig)
{
	(void)sig;
	if (kicked_run)
		kicked_run->immediate_exit =
		        1; /* KVM_RUN returns EINTR, now or at its next entry */
}

/* SIGIO to the vCPU thread whenever fd has something to read. */
static void kick_on_input(int fd)
{
	struct f_owner_ex owner = {.type = F_OWNER_TID, .pid = gettid()};
	if (fcntl(fd, F_SETOWN_EX, &owner) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC | O_NONBLOCK) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "--gdb: cannot watch the socket: %s", strerror(errno));
}

static void set_guest_debug(bool kvm_step)
{
	struct kvm_guest_debug d = {.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP |
	                                       (kvm_step ? KVM_GUESTDBG_SINGLESTEP : 0)};
	if (!ring3_debug_registers()) { /* PVM: KVM holds the ring-0 ones */
		d.control |= KVM_GUESTDBG_USE_HW_BP;
		for (int i = 0; i < 4; i++)
			d.arch.debugreg[i] = g.hw[i].used ? g.hw[i].addr : 0;
		d.arch.debugreg[7] = hw_dr7();
	}
	if (g.fd < 0)
		d.control = 0;
	if (vcpu(KVM_SET_GUEST_DEBUG, &d) < 0)
		fprintf(stderr, "exosim: gdb: KVM_SET_GUEST_DEBUG: %s\n", strerror(errno));
}

/* The session is over (detach, or the client went): the guest runs on
 * without breakpoints. */
static void end_session(void)
{
	for (size_t i = 0; i < g.nsw; i++)
		if (g.sw[i].inserted)
			restore_sw(&g.sw[i]);
	g.nsw = 0;
	memset(g.hw, 0, sizeof(g.hw));
	load_debugregs();
	close(g.fd);
	g.fd = -1;
	g.stepping = false;
	set_guest_debug(false);
	kick_on_input(g.listen_fd); /* another gdb may attach later */
}

static bool accept_client(bool block)
{
	int fd;
	for (;;) {
		fd = accept4(g.listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (!block)
				return false;
			struct pollfd p = {.fd = g.listen_fd, .events = POLLIN};
			poll(&p, 1, -1);
		} else if (errno != EINTR && errno != ECONNABORTED) {
			fprintf(stderr, "exosim: gdb: accept: %s\n", strerror(errno));
			return false;
		}
		if (deadline_passed())
			return false;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	g.fd = fd;
	gdb_stub_init(&g.stub, &kvm_ops, NULL);
	g.stub.cancelled = deadline_passed;
	kick_on_input(fd);
	fprintf(stderr, "exosim: gdb: connected\n");
	return true;
}

static void start_step(void)
{
	uint64_t cs;
	struct kvm_regs k;
	struct kvm_sregs s;
	g.stepping = true;
	if (g.frame) {
		cs = g.frame->cs;
	} else {
		if (vcpu(KVM_GET_SREGS, &s))
			return;
		cs = s.cs.selector;
	}
	g.step_tf = (cs & 3) == 3;
	if (vcpu(KVM_GET_SREGS, &s) == 0)
		g.step_cr3 = s.cr3;
	if (!g.step_tf) { /* ring 0: KVM steps it */
		set_guest_debug(true);
		return;
	}
	/* ring 3: the trap flag, and the agent reports the #DB */
	if (g.frame) {
		g.frame->rflags |= RFLAGS_TF;
		g.step_rip = g.frame->rip;
	} else if (vcpu(KVM_GET_REGS, &k) == 0) {
		k.rflags |= RFLAGS_TF;
		g.step_rip = k.rip;
		vcpu(KVM_SET_REGS, &k);
	}
	set_guest_debug(false);
}

/* What gdb said when it let the guest go: DEV_CONTINUE or an exit status. */
static int resume(enum gdb_action a)
{
	g.sel = 0; /* the events while it runs concern the CPU's environment */
	if (g.frame && g.resume_rf)
		g.frame->rflags |= RFLAGS_RF;
	g.resume_rf = false;
	switch (a) {
	case GDB_STEP:
		start_step();
		return DEV_CONTINUE;
	case GDB_CONTINUE:
		set_guest_debug(false);
		return DEV_CONTINUE;
	case GDB_KILL:
		fprintf(stderr, "exosim: gdb: killed the guest\n");
		close(g.fd);
		g.fd = -1;
		return STATUS_KILL;
	default:
		end_session();
		return DEV_CONTINUE;
	}
}

static int stop(int sig, const char *extra)
{
	g.stepping = false;
	gdb_stub_set_stop(&g.stub, sig, extra);
	return resume(gdb_stub_converse(&g.stub, g.fd, true));
}

/* --- the events --- */

static bool in_exos(uint64_t rip)
{
	return rip >= g.exos_lo && rip < g.exos_hi;
}

/* A step of a Linux program's instruction that faults (a page ExOS maps on
 * demand) runs ExOS's fault handler, which clears the trap flag, then ExOS's
 * resume code, which restores it with popf: the #DB then comes from ExOS, with
 * the program's instruction not yet run.  gdb asked for one instruction of the
 * program: let ExOS finish at full speed (single-stepping it stretches its
 * resume window, where upcalls must not land, into milliseconds), with an int3
 * where it returns to, and step from there. */
static bool detour_through_exos(struct pv_gdb_frame *f)
{
	uint64_t pa, left;
	uint8_t *p;
	if (!in_exos(f->rip) || in_exos(g.step_rip) || !translate(g.step_rip, &pa, &left) ||
	    !(p = gpa_ptr(&g.vm->mem, pa, 1)))
		return false;
	f->rflags &= ~RFLAGS_TF;
	if (!g.step_back_gpa) {
		g.step_back_gpa = pa;
		g.step_back_orig = *p;
		*p = INT3;
	}
	return true;
}

/* The detour's int3 (#BP with rip after it): the step resumes there. */
static bool detour_back(struct pv_gdb_frame *f)
{
	uint64_t pa, left;
	uint8_t *p;
	if (!g.step_back_gpa || f->rip - 1 != g.step_rip || !translate(g.step_rip, &pa, &left) ||
	    pa != g.step_back_gpa || !(p = gpa_ptr(&g.vm->mem, pa, 1)))
		return false;
	*p = g.step_back_orig;
	g.step_back_gpa = 0;
	f->rip--;
	f->rflags |= RFLAGS_TF;
	f->vector = PV_GDB_RESUME;
	return true;
}

/* Which of gdb's hardware breakpoints or watchpoints DR6 says fired (-1:
 * none), and the stop reply's words for it in extra. */
static int hw_hit(uint64_t dr6, char *extra, size_t size)
{
	static const char *const kinds[] = {
	        [GDB_WP_WRITE] = "watch", [GDB_WP_READ] = "rwatch", [GDB_WP_ACCESS] = "awatch"};
	for (int i = 0; i < 4; i++) {
		if (!g.hw[i].used || !(dr6 & (1ull << i)))
			continue;
		if (g.hw[i].type == GDB_BP_HW)
			snprintf(extra, size, "hwbreak:;");
		else
			snprintf(extra, size, "%s:%llx;", kinds[g.hw[i].type],
			         (unsigned long long)g.hw[i].addr);
		return i;
	}
	return -1;
}

static int debug_trap(struct pv_gdb_frame *f)
{
	struct kvm_debugregs d;
	if (vcpu(KVM_GET_DEBUGREGS, &d))
		return DEV_CONTINUE;
	uint64_t dr6 = d.dr6;
	d.dr6 = DR6_CLEAR;
	vcpu(KVM_SET_DEBUGREGS, &d);
	if (g.stepping && g.step_tf) {
		f->vector = PV_GDB_RESUME;
		if (detour_through_exos(f))
			return DEV_CONTINUE;
		f->rflags &= ~RFLAGS_TF;
		return stop(SIG_TRAP, "");
	}
	char extra[64];
	int i = hw_hit(dr6, extra, sizeof(extra));
	if (i < 0)
		return DEV_CONTINUE; /* not the debugger's: the kernel passes it on */
	f->vector = PV_GDB_RESUME;
	if (g.hw[i].type == GDB_BP_HW)
		g.resume_rf = true; /* a fault: resume without hitting it again */
	return stop(SIG_TRAP, extra);
}

static uint64_t current_cr3(void)
{
	struct kvm_sregs s;
	return vcpu(KVM_GET_SREGS, &s) ? 0 : s.cr3;
}

/* A libOS is about to end a process for a core-dumping signal
 * (EXO_SYS_DEBUG_SIGNAL): stop with it where it came from.  gdb's signal
 * numbers are Linux's for these (SIGSEGV 11, SIGABRT 6, ...). */
static int signal_report(struct pv_gdb_frame *f)
{
	int sig = (int)(f->vector - PV_GDB_SIGNAL);
	fprintf(stderr,
	        "exosim: gdb: the program dies of signal %d at rip 0x%llx (address 0x%llx); "
	        "stopped for gdb (continue lets it die)\n",
	        sig, (unsigned long long)f->rip, (unsigned long long)f->err);
	return stop(sig, "");
}

static int agent_event(struct pv_gdb_frame *f)
{
	if (f->vector == 3 && g.stepping && detour_back(f))
		return DEV_CONTINUE;
	if (f->vector == 3) {
		struct swbp *b = find_sw(f->rip - 1);
		if (!b)
			return DEV_CONTINUE; /* the program's own int3 */
		f->rip--;
		f->vector = PV_GDB_RESUME;
		if (!b->inserted) { /* a copy gdb removed but could not reach then */
			/* While gdb steps one environment over its breakpoints it
			 * removes them all, then puts them back: another environment
			 * hitting one meanwhile waits at it (trying again until the
			 * timer switches) so that its hit is not lost. */
			if (!g.stepping || current_cr3() == g.step_cr3)
				restore_sw(b);
			return DEV_CONTINUE;
		}
		return stop(SIG_TRAP, "");
	}
	if (f->vector == 1)
		return debug_trap(f);
	if (f->vector > PV_GDB_SIGNAL && f->vector <= PV_GDB_SIGNAL + PV_GDB_SIGNAL_MAX)
		return signal_report(f);
	int status = unix_status(EXO_STATUS_FAULT((unsigned)f->vector & 0xff));
	return stop(status > 128 ? status - 128 : SIG_SEGV, ""); /* the kernel then ends it */
}

static int agent_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	uint32_t gpa;
	if (!device_request_gpa(dev, a, &gpa) || g.fd < 0)
		return DEV_CONTINUE;
	struct pv_gdb_frame *f = gpa_check(&vm->mem, gpa, sizeof(*f), dev->name);
	if (!f)
		return DEV_CONTINUE;
	g.frame = f;
	int status = agent_event(f);
	g.frame = NULL;
	return status;
}

/* The kernel says where its environments are (once, at boot). */
static int layout_access(struct vm *vm, const struct device *dev, const struct dev_access *a)
{
	uint32_t gpa;
	if (device_request_gpa(dev, a, &gpa) && !gdb_env_set_layout(&vm->mem, gpa))
		fprintf(stderr,
		        "exosim: gdb: the kernel's environment layout at 0x%x is not "
		        "usable: gdb sees one thread\n",
		        gpa);
	return DEV_CONTINUE;
}

static const struct device layout_device = {.name = "gdb-layout",
                                            .space = DEV_PORT,
                                            .base = PV_GDB_LAYOUT_PORT,
                                            .len = 4,
                                            .access = layout_access};

static const struct device agent_device = {.name = "gdb-agent",
                                           .space = DEV_PORT,
                                           .base = PV_GDB_PORT,
                                           .len = 4,
                                           .access = agent_access};

/* Where KVM intercepts every #BP (VT-x, SVM), a program's own int3 must still
 * reach the guest: inject it as the CPU would have delivered it. */
static void reinject_breakpoint(void)
{
	struct kvm_vcpu_events ev;
	if (vcpu(KVM_GET_VCPU_EVENTS, &ev))
		return;
	ev.exception.injected = 1;
	ev.exception.nr = 3;
	ev.exception.has_error_code = 0;
	if (vcpu(KVM_SET_VCPU_EVENTS, &ev))
		fprintf(stderr, "exosim: gdb: cannot pass a breakpoint to the guest: %s\n",
		        strerror(errno));
}

int gdb_debug_exit(struct vm *vm)
{
	if (g.fd < 0)
		return DEV_CONTINUE;
	struct kvm_debug_exit_arch *d = &vm->run->debug.arch;
	if (d->exception == 3) {
		struct kvm_regs k;
		if (vcpu(KVM_GET_REGS, &k))
			return DEV_CONTINUE;
		struct swbp *b = find_sw(k.rip);
		if (!b && (b = find_sw(k.rip - 1))) { /* reported after the int3 */
			k.rip--;
			vcpu(KVM_SET_REGS, &k);
		}
		if (!b) {
			reinject_breakpoint();
			return DEV_CONTINUE;
		}
		if (!b->inserted) {
			restore_sw(b);
			return DEV_CONTINUE;
		}
	}
	char extra[64] = "";
	if (d->exception == 1 && hw_hit(d->dr6, extra, sizeof(extra)) >= 0)
		return stop(SIG_TRAP, extra); /* PVM: a ring-0 hbreak, held by KVM */
	return stop(SIG_TRAP, "");
}

int gdb_internal_error(struct vm *vm)
{
	struct kvm_regs k;
	uint8_t byte;
	size_t one = 1;
	if (g.fd < 0 || vcpu(KVM_GET_REGS, &k))
		return GDB_NOT_MINE;
	struct swbp *b = find_sw(k.rip);
	uint8_t *p = guest_bytes(k.rip, &one);
	if (!b || !p || (byte = *p) != INT3)
		return GDB_NOT_MINE;
	(void)vm;
	if (!b->inserted) {
		restore_sw(b);
		return DEV_CONTINUE;
	}
	return stop(SIG_TRAP, "");
}

int gdb_interrupted(struct vm *vm)
{
	if (!g.enabled)
		return DEV_CONTINUE;
	vm->run->immediate_exit = 0; /* before looking: a later kick sets it again */
	if (g.fd < 0) {
		if (!accept_client(false))
			return DEV_CONTINUE;
		gdb_stub_set_stop(&g.stub, SIG_TRAP, "");
		return resume(gdb_stub_converse(&g.stub, g.fd, false));
	}
	bool gone;
	if (gdb_stub_poll_interrupt(&g.stub, g.fd, &gone))
		return stop(SIG_INT, "");
	if (gone)
		end_session();
	return DEV_CONTINUE;
}

int gdb_finish(struct vm *vm, int status)
{
	if (!g.enabled)
		return status;
	kicked_run = NULL;
	if (g.fd < 0)
		return status;
	if (status == EXOSIM_EXIT_CRASH) { /* keep the state for gdb */
		bool shutdown = vm->run->exit_reason == KVM_EXIT_SHUTDOWN;
		fprintf(stderr,
		        "exosim: gdb: the guest %s; stopped for gdb (continue ends the run)\n",
		        shutdown ? "triple-faulted" : "crashed");
		int r = stop(shutdown ? SIG_SEGV : SIG_ABRT, "");
		if (r != DEV_CONTINUE)
			status = r;
	}
	if (g.fd >= 0) {
		char w[8];
		snprintf(w, sizeof(w), "W%02x", status & 0xff);
		gdb_stub_send(&g.stub, g.fd, w);
		close(g.fd);
		g.fd = -1;
	}
	return status;
}

void gdb_start(struct vm *vm)
{
	if (!g.enabled)
		return;
	g.vm = vm;
	device_register_or_fail(&agent_device);
	device_register_or_fail(&layout_device);
	struct sigaction sa = {.sa_handler = on_sigio, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGIO, &sa, NULL);
	kicked_run = vm->run;
	if (!gdb_initrd_exos_range(&vm->mem, &g.exos_lo, &g.exos_hi))
		g.exos_lo = g.exos_hi = 0;
	if (!g.wait) {
		kick_on_input(g.listen_fd);
		return;
	}
	if (!accept_client(true))
		fail(EXOSIM_EXIT_TIMEOUT, "timeout: no gdb connected");
	int r = resume(gdb_stub_converse(&g.stub, g.fd, false));
	if (r != DEV_CONTINUE)
		exit(r);
}

/* --- the command line --- */

/* The program at path, as its loader will see it (img zeroed if unreadable). */
static void read_program(const char *path, struct elf64_image *img)
{
	memset(img, 0, sizeof(*img));
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	rewind(f);
	uint8_t *buf = size > 0 ? malloc((size_t)size) : NULL;
	if (buf && fread(buf, 1, (size_t)size, f) == (size_t)size &&
	    elf64_parse(buf, (size_t)size, EXO_PIE_BASE, EXO_USER_TOP, img) != ELF64_OK)
		memset(img, 0, sizeof(*img));
	free(buf);
	fclose(f);
}

/* One add-symbol-file line; a static-pie program gets the offset it is loaded at. */
static void symbol_line(const char *what, const char *path, uint64_t offset)
{
	char *abs = realpath(path, NULL), off[40] = "";
	if (offset)
		snprintf(off, sizeof(off), " -o 0x%llx", (unsigned long long)offset);
	fprintf(stderr, "exosim: gdb:   (gdb) add-symbol-file %s%s    # %s\n", abs ? abs : path,
	        off, what);
	free(abs);
}

void gdb_banner(const struct options *o)
{
	if (!g.enabled)
		return;
	char *kernel = realpath(o->kernel, NULL);
	fprintf(stderr,
	        "exosim: gdb: listening on %s%s\n"
	        "exosim: gdb: connect with: gdb -ex 'target remote %s' %s\n",
	        g.where, g.wait ? "; the guest waits for gdb before its first instruction" : "",
	        g.where, kernel ? kernel : o->kernel);
	free(kernel);
	if (!ring3_debug_registers())
		fprintf(stderr,
		        "exosim: gdb: this host (KVM on PVM) has no hardware watchpoints, and "
		        "hardware breakpoints only on the kernel: (gdb) set can-use-hw-watchpoints "
		        "0\n");
	if (o->initrd) {
		fprintf(stderr,
		        "exosim: gdb: and add-symbol-file each program of %s you debug "
		        "(static ones load at their link address)\n",
		        o->initrd);
		return;
	}
	struct elf64_image img;
	read_program(o->argv[0], &img);
	bool pie = img.type == 3; /* ET_DYN: placed by the kernel or by ExOS */
	if (img.exos_native) {
		symbol_line("the program, ExOS linked in", o->argv[0], pie ? EXO_PIE_BASE : 0);
		return;
	}
	symbol_line("ExOS, which runs the program", o->libos, 0);
	symbol_line("the program", o->argv[0], pie ? LINUX_PIE_BASE : 0);
}

void gdb_listen(const char *spec, bool wait)
{
	char host[64] = "127.0.0.1";
	const char *colon = strrchr(spec, ':'), *port = colon ? colon + 1 : spec;
	if (colon) {
		size_t n = (size_t)(colon - spec);
		if (n >= sizeof(host))
			fail(EXOSIM_EXIT_USAGE, "--gdb %s: the host is too long", spec);
		if (n) {
			memcpy(host, spec, n);
			host[n] = 0;
		}
	}
	char *end;
	long p = strtol(port, &end, 10);
	if (!*port || *end || p < 0 || p > 65535)
		fail(EXOSIM_EXIT_USAGE, "--gdb %s: not [HOST:]PORT (a port is 0..65535)", spec);
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
	                *ai;
	int err = getaddrinfo(host, port, &hints, &ai);
	if (err)
		fail(EXOSIM_EXIT_USAGE, "--gdb %s: %s", spec, gai_strerror(err));
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0)
		fail(EXOSIM_EXIT_INTERNAL, "--gdb: socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0)
		fail(EXOSIM_EXIT_NOFILE, "--gdb %s: cannot listen on %s port %s: %s", spec, host,
		     port, strerror(errno));
	freeaddrinfo(ai);
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	char name[64] = "?", serv[16] = "?";
	if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		getnameinfo((struct sockaddr *)&sa, len, name, sizeof(name), serv, sizeof(serv),
		            NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(g.where, sizeof(g.where), strchr(name, ':') ? "[%s]:%s" : "%s:%s", name, serv);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) /* accept_client polls */
		fail(EXOSIM_EXIT_INTERNAL, "--gdb: fcntl: %s", strerror(errno));
	g.listen_fd = fd;
	g.enabled = true;
	g.wait = wait;
}
