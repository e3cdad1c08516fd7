/* The gdb remote-protocol server's command dispatch, over a small target
 * interface (registers, memory, breakpoints).  It knows no KVM: gdb_kvm.c is
 * the target exosim debugs, and the unit tests fuzz the stub over a fake one.
 *
 * The registers are x86-64's as gdb numbers them (target.xml, built from the
 * table in gdb_stub.c): the general registers, rip, eflags, the segment
 * selectors, the x87 stack and control words, xmm0-15 and mxcsr
 * (org.gnu.gdb.i386.core and .sse), fs_base and gs_base (.segments), and
 * cr0, cr2, cr3, cr4, cr8 and efer (org.exosim.x86.sys, read-only). */
#ifndef HOSTSIM_GDB_STUB_H
#define HOSTSIM_GDB_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gdb_rsp.h"

enum gdb_reg {
	GDB_RAX,
	GDB_RBX,
	GDB_RCX,
	GDB_RDX,
	GDB_RSI,
	GDB_RDI,
	GDB_RBP,
	GDB_RSP,
	GDB_R8,
	GDB_R15 = GDB_R8 + 7,
	GDB_RIP,
	GDB_EFLAGS,
	GDB_CS,
	GDB_SS,
	GDB_DS,
	GDB_ES,
	GDB_FS,
	GDB_GS,
	GDB_ST0,
	GDB_FCTRL = GDB_ST0 + 8,
	GDB_FSTAT,
	GDB_FTAG,
	GDB_FISEG,
	GDB_FIOFF,
	GDB_FOSEG,
	GDB_FOOFF,
	GDB_FOP,
	GDB_XMM0,
	GDB_MXCSR = GDB_XMM0 + 16,
	GDB_FS_BASE,
	GDB_GS_BASE,
	GDB_CR0,
	GDB_CR2,
	GDB_CR3,
	GDB_CR4,
	GDB_CR8,
	GDB_EFER,
	GDB_NREGS
};

/* Every register's value, little-endian, at gdb_reg_offset(n). */
#define GDB_REGS_SIZE 1024
struct gdb_regs {
	uint8_t b[GDB_REGS_SIZE];
};
size_t gdb_reg_offset(int n);
size_t gdb_reg_size(int n);                            /* bytes */
uint64_t gdb_reg_get(const struct gdb_regs *r, int n); /* the low 8 bytes */
void gdb_reg_set(struct gdb_regs *r, int n, uint64_t v);

/* Z/z types. */
enum { GDB_BP_SW, GDB_BP_HW, GDB_WP_WRITE, GDB_WP_READ, GDB_WP_ACCESS };

/* What the stub needs of the machine, while it is stopped.  Each returns 0
 * on success; -1 refuses (gdb sees an E.. reply); insert_bp may return 1 for
 * "this type is not supported" (an empty reply). */
struct gdb_target_ops {
	int (*get_regs)(void *t, struct gdb_regs *r);
	int (*set_regs)(void *t, const struct gdb_regs *r);
	int (*read_mem)(void *t, uint64_t addr, uint8_t *buf, size_t len);
	int (*write_mem)(void *t, uint64_t addr, const uint8_t *buf, size_t len);
	int (*insert_bp)(void *t, int type, uint64_t addr, uint64_t kind);
	int (*remove_bp)(void *t, int type, uint64_t addr, uint64_t kind);
	/* Threads, optional (NULL: one thread, id 1).  Ids are positive.  The
	 * registers and memory the calls above see are the selected thread's;
	 * select(t, 0) selects the one that stopped (done at every stop). */
	uint32_t (*thread_current)(void *t);
	size_t (*thread_list)(void *t, uint32_t *ids, size_t max);
	int (*thread_select)(void *t, uint32_t id); /* -1: no such thread */
	/* Its qThreadExtraInfo text, NUL-terminated; -1: no such thread. */
	int (*thread_describe)(void *t, uint32_t id, char *buf, size_t cap);
};

/* The most threads qfThreadInfo lists. */
#define GDB_THREADS_MAX 128

/* What gdb asked for when the conversation pauses. */
enum gdb_action {
	GDB_REPLY,        /* (internal) answered; keep talking */
	GDB_CONTINUE,     /* resume */
	GDB_STEP,         /* execute one instruction, then stop */
	GDB_KILL,         /* end the run */
	GDB_DETACH,       /* resume, and debug no more */
	GDB_DISCONNECTED, /* the client went away (one line said why) */
};

#define GDB_REPLY_MAX RSP_PACKET_MAX
#define GDB_INBUF     4096

struct gdb_stub {
	const struct gdb_target_ops *ops;
	void *target;
	bool no_ack;          /* after QStartNoAckMode */
	char stop_reply[128]; /* the answer to `?`, and what a stop sends */
	struct rsp rsp;
	uint8_t in[GDB_INBUF]; /* bytes read but not yet fed to rsp */
	size_t in_pos, in_len;
	char out[2 * GDB_REPLY_MAX + 8]; /* the last framed reply, for a NAK */
	size_t out_len;
	bool (*cancelled)(void); /* checked when a read is interrupted (--timeout) */
};

void gdb_stub_init(struct gdb_stub *s, const struct gdb_target_ops *ops, void *target);

/* Handles one packet (NUL-terminated, len bytes).  Fills reply (up to
 * GDB_REPLY_MAX bytes, *reply_len) when the action is GDB_REPLY. */
enum gdb_action gdb_stub_dispatch(struct gdb_stub *s, const char *pkt, size_t len, char *reply,
                                  size_t *reply_len);

/* The stop reply for signal sig (gdb's numbering: 5 TRAP, 2 INT, 11 SEGV,
 * ...), naming the current thread, with extra `key:value;` pairs (may be ""),
 * becomes the answer to `?`; the thread that stopped is selected again. */
void gdb_stub_set_stop(struct gdb_stub *s, int sig, const char *extra);

/* Talks to the client on fd until it resumes, kills or detaches the target,
 * or goes away.  send_stop: first send the stop reply (a stop after a resume). */
enum gdb_action gdb_stub_converse(struct gdb_stub *s, int fd, bool send_stop);

/* While the target runs: reads what fd has without blocking; true if gdb sent
 * its interrupt (0x03).  *gone: the client closed the connection. */
bool gdb_stub_poll_interrupt(struct gdb_stub *s, int fd, bool *gone);

/* Sends a packet (the exit notice `W..`); false if the client is gone. */
bool gdb_stub_send(struct gdb_stub *s, int fd, const char *payload);

/* target.xml, the register description (for tests). */
const char *gdb_target_xml(void);

#endif
