/* gdb remote-protocol dispatch (gdb_stub.h).  One client, all-stop mode; the
 * threads are the target's (exosim: the environments, gdb_env.h), all stopped
 * and resumed together.  Every packet is checked before it reaches the target;
 * anything the stub does not know gets the empty reply the protocol asks for,
 * anything malformed an E.. reply. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdb_stub.h"

/* Errors as gdb stubs send them: the errno value in hex. */
#define E_INVAL "E16"
#define E_FAULT "E0e"
#define E_SRCH  "E03" /* no such thread */

/* The register table: target.xml and the `g` packet's layout both come from
 * it, so they cannot disagree. */
struct reg_desc {
	const char *name;
	unsigned bits;
	const char *type;
	const char *group; /* NULL: gdb's default */
};

static const char *const features[] = {"org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse",
                                       "org.gnu.gdb.i386.segments", "org.exosim.x86.sys"};

static const struct reg_desc regs[GDB_NREGS] = {
        {"rax", 64, "int64", 0},
        {"rbx", 64, "int64", 0},
        {"rcx", 64, "int64", 0},
        {"rdx", 64, "int64", 0},
        {"rsi", 64, "int64", 0},
        {"rdi", 64, "int64", 0},
        {"rbp", 64, "data_ptr", 0},
        {"rsp", 64, "data_ptr", 0},
        {"r8", 64, "int64", 0},
        {"r9", 64, "int64", 0},
        {"r10", 64, "int64", 0},
        {"r11", 64, "int64", 0},
        {"r12", 64, "int64", 0},
        {"r13", 64, "int64", 0},
        {"r14", 64, "int64", 0},
        {"r15", 64, "int64", 0},
        {"rip", 64, "code_ptr", 0},
        {"eflags", 32, "i386_eflags", 0},
        {"cs", 32, "int32", 0},
        {"ss", 32, "int32", 0},
        {"ds", 32, "int32", 0},
        {"es", 32, "int32", 0},
        {"fs", 32, "int32", 0},
        {"gs", 32, "int32", 0},
        {"st0", 80, "i387_ext", 0},
        {"st1", 80, "i387_ext", 0},
        {"st2", 80, "i387_ext", 0},
        {"st3", 80, "i387_ext", 0},
        {"st4", 80, "i387_ext", 0},
        {"st5", 80, "i387_ext", 0},
        {"st6", 80, "i387_ext", 0},
        {"st7", 80, "i387_ext", 0},
        {"fctrl", 32, "int", "float"},
        {"fstat", 32, "int", "float"},
        {"ftag", 32, "int", "float"},
        {"fiseg", 32, "int", "float"},
        {"fioff", 32, "int", "float"},
        {"foseg", 32, "int", "float"},
        {"fooff", 32, "int", "float"},
        {"fop", 32, "int", "float"},
        {"xmm0", 128, "vec128", 0},
        {"xmm1", 128, "vec128", 0},
        {"xmm2", 128, "vec128", 0},
        {"xmm3", 128, "vec128", 0},
        {"xmm4", 128, "vec128", 0},
        {"xmm5", 128, "vec128", 0},
        {"xmm6", 128, "vec128", 0},
        {"xmm7", 128, "vec128", 0},
        {"xmm8", 128, "vec128", 0},
        {"xmm9", 128, "vec128", 0},
        {"xmm10", 128, "vec128", 0},
        {"xmm11", 128, "vec128", 0},
        {"xmm12", 128, "vec128", 0},
        {"xmm13", 128, "vec128", 0},
        {"xmm14", 128, "vec128", 0},
        {"xmm15", 128, "vec128", 0},
        {"mxcsr", 32, "i386_mxcsr", "vector"},
        {"fs_base", 64, "int", 0},
        {"gs_base", 64, "int", 0},
        {"cr0", 64, "int", "system"},
        {"cr2", 64, "data_ptr", "system"},
        {"cr3", 64, "int", "system"},
        {"cr4", 64, "int", "system"},
        {"cr8", 64, "int", "system"},
        {"efer", 64, "int", "system"},
};

static int feature_of(int n)
{
	return n < GDB_XMM0 ? 0 : n <= GDB_MXCSR ? 1 : n <= GDB_GS_BASE ? 2 : 3;
}

size_t gdb_reg_offset(int n)
{
	size_t off = 0;
	for (int i = 0; i < n; i++)
		off += regs[i].bits / 8;
	return off;
}

size_t gdb_reg_size(int n)
{
	return regs[n].bits / 8;
}

_Static_assert(GDB_NREGS == 65, "the register table and enum gdb_reg");

uint64_t gdb_reg_get(const struct gdb_regs *r, int n)
{
	uint64_t v = 0;
	size_t sz = gdb_reg_size(n);
	memcpy(&v, r->b + gdb_reg_offset(n), sz < 8 ? sz : 8);
	return v;
}

void gdb_reg_set(struct gdb_regs *r, int n, uint64_t v)
{
	size_t sz = gdb_reg_size(n);
	memset(r->b + gdb_reg_offset(n), 0, sz);
	memcpy(r->b + gdb_reg_offset(n), &v, sz < 8 ? sz : 8);
}

static const char xml_types[] =
        "<flags id=\"i386_eflags\" size=\"4\"><field name=\"CF\" start=\"0\" end=\"0\"/>"
        "<field name=\"\" start=\"1\" end=\"1\"/><field name=\"PF\" start=\"2\" end=\"2\"/>"
        "<field name=\"AF\" start=\"4\" end=\"4\"/><field name=\"ZF\" start=\"6\" end=\"6\"/>"
        "<field name=\"SF\" start=\"7\" end=\"7\"/><field name=\"TF\" start=\"8\" end=\"8\"/>"
        "<field name=\"IF\" start=\"9\" end=\"9\"/><field name=\"DF\" start=\"10\" end=\"10\"/>"
        "<field name=\"OF\" start=\"11\" end=\"11\"/><field name=\"NT\" start=\"14\" end=\"14\"/>"
        "<field name=\"RF\" start=\"16\" end=\"16\"/><field name=\"VM\" start=\"17\" end=\"17\"/>"
        "<field name=\"AC\" start=\"18\" end=\"18\"/><field name=\"ID\" start=\"21\" "
        "end=\"21\"/></flags>";

static const char xml_sse_types[] =
        "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
        "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
        "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
        "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
        "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
        "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
        "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
        "<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
        "<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
        "<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/>"
        "</union><flags id=\"i386_mxcsr\" size=\"4\">"
        "<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
        "<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
        "<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
        "<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
        "<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
        "<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
        "<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" "
        "end=\"15\"/></flags>";

const char *gdb_target_xml(void)
{
	static char xml[12288];
	if (xml[0])
		return xml;
	size_t n = (size_t)snprintf(xml, sizeof(xml),
	                            "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM "
	                            "\"gdb-target.dtd\"><target><architecture>i386:x86-64"
	                            "</architecture>");
	for (int i = 0; i < GDB_NREGS; i++) {
		if (i == 0 || feature_of(i) != feature_of(i - 1)) {
			n += (size_t)snprintf(xml + n, sizeof(xml) - n, "%s<feature name=\"%s\">%s",
			                      i ? "</feature>" : "", features[feature_of(i)],
			                      i == 0          ? xml_types
			                      : i == GDB_XMM0 ? xml_sse_types
			                                      : "");
		}
		n += (size_t)snprintf(
		        xml + n, sizeof(xml) - n,
		        "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%d\"%s%s%s/>",
		        regs[i].name, regs[i].bits, regs[i].type, i,
		        regs[i].group ? " group=\"" : "", regs[i].group ? regs[i].group : "",
		        regs[i].group ? "\"" : "");
	}
	snprintf(xml + n, sizeof(xml) - n, "</feature></target>");
	return xml;
}

void gdb_stub_init(struct gdb_stub *s, const struct gdb_target_ops *ops, void *target)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->target = target;
	rsp_init(&s->rsp);
	gdb_stub_set_stop(s, 5, "");
}

static uint32_t current_thread(struct gdb_stub *s)
{
	return s->ops->thread_current ? s->ops->thread_current(s->target) : 1;
}

void gdb_stub_set_stop(struct gdb_stub *s, int sig, const char *extra)
{
	if (s->ops->thread_select)
		s->ops->thread_select(s->target, 0);
	snprintf(s->stop_reply, sizeof(s->stop_reply), "T%02xthread:%02x;%s", sig & 0xff,
	         current_thread(s), extra);
}

/* --- the packets --- */

static size_t put(char *reply, const char *s)
{
	size_t n = strlen(s);
	memcpy(reply, s, n);
	return n;
}

/* "addr,len" then the character `end` (or NUL). */
static bool parse_addr_len(const char **p, uint64_t *addr, uint64_t *len, char end)
{
	if (!rsp_parse_hex(p, addr) || **p != ',')
		return false;
	(*p)++;
	if (!rsp_parse_hex(p, len) || **p != end)
		return false;
	return true;
}

static size_t read_memory(struct gdb_stub *s, const char *p, char *reply)
{
	uint64_t addr, len;
	if (!parse_addr_len(&p, &addr, &len, 0) || len > GDB_REPLY_MAX / 2)
		return put(reply, E_INVAL);
	uint8_t buf[GDB_REPLY_MAX / 2];
	if (s->ops->read_mem(s->target, addr, buf, len))
		return put(reply, E_FAULT);
	rsp_hex_encode(reply, buf, len);
	return 2 * len;
}

static size_t write_memory(struct gdb_stub *s, const char *p, size_t avail, char *reply)
{
	uint64_t addr, len;
	const char *start = p;
	if (!parse_addr_len(&p, &addr, &len, ':') || len > GDB_REPLY_MAX / 2)
		return put(reply, E_INVAL);
	p++;
	if ((size_t)(p - start) + 2 * len != avail)
		return put(reply, E_INVAL);
	uint8_t buf[GDB_REPLY_MAX / 2];
	if (!rsp_hex_decode(p, buf, len))
		return put(reply, E_INVAL);
	return put(reply, s->ops->write_mem(s->target, addr, buf, len) ? E_FAULT : "OK");
}

static size_t read_all_regs(struct gdb_stub *s, char *reply)
{
	struct gdb_regs r;
	if (s->ops->get_regs(s->target, &r))
		return put(reply, E_FAULT);
	size_t n = gdb_reg_offset(GDB_NREGS);
	rsp_hex_encode(reply, r.b, n);
	return 2 * n;
}

static size_t write_all_regs(struct gdb_stub *s, const char *p, size_t avail, char *reply)
{
	struct gdb_regs r;
	size_t n = gdb_reg_offset(GDB_NREGS);
	/* gdb may send fewer registers than it knows: the rest stay as they are. */
	if (avail % 2 || avail / 2 > n || s->ops->get_regs(s->target, &r))
		return put(reply, E_INVAL);
	if (!rsp_hex_decode(p, r.b, avail / 2))
		return put(reply, E_INVAL);
	return put(reply, s->ops->set_regs(s->target, &r) ? E_FAULT : "OK");
}

static size_t read_one_reg(struct gdb_stub *s, const char *p, char *reply)
{
	uint64_t n;
	struct gdb_regs r;
	if (!rsp_parse_hex(&p, &n) || *p)
		return put(reply, E_INVAL);
	if (n >= GDB_NREGS)
		return put(reply, E_INVAL);
	if (s->ops->get_regs(s->target, &r))
		return put(reply, E_FAULT);
	rsp_hex_encode(reply, r.b + gdb_reg_offset((int)n), gdb_reg_size((int)n));
	return 2 * gdb_reg_size((int)n);
}

static size_t write_one_reg(struct gdb_stub *s, const char *p, char *reply)
{
	uint64_t n;
	struct gdb_regs r;
	if (!rsp_parse_hex(&p, &n) || *p != '=' || n >= GDB_NREGS)
		return put(reply, E_INVAL);
	p++;
	size_t sz = gdb_reg_size((int)n);
	if (strlen(p) != 2 * sz || s->ops->get_regs(s->target, &r))
		return put(reply, E_INVAL);
	if (!rsp_hex_decode(p, r.b + gdb_reg_offset((int)n), sz))
		return put(reply, E_INVAL);
	return put(reply, s->ops->set_regs(s->target, &r) ? E_FAULT : "OK");
}

static size_t breakpoint(struct gdb_stub *s, const char *p, bool insert, char *reply)
{
	uint64_t type, addr, kind;
	if (!rsp_parse_hex(&p, &type) || *p != ',')
		return put(reply, E_INVAL);
	p++;
	/* Conditions and commands (";X...") are optional extras gdb only sends
	 * when the stub advertises them, which this one does not. */
	if (!parse_addr_len(&p, &addr, &kind, 0) || type > GDB_WP_ACCESS)
		return put(reply, E_INVAL);
	int r = insert ? s->ops->insert_bp(s->target, (int)type, addr, kind)
	               : s->ops->remove_bp(s->target, (int)type, addr, kind);
	return r > 0 ? 0 : put(reply, r ? E_FAULT : "OK");
}

/* --- threads --- */

/* A thread id as gdb sends it without multiprocess extensions: hex, or -1
 * (all threads), the whole rest of the packet.  0 means any thread. */
static bool parse_thread(const char *p, int64_t *id)
{
	uint64_t v;
	if (!strcmp(p, "-1")) {
		*id = -1;
		return true;
	}
	if (!rsp_parse_hex(&p, &v) || *p || v > UINT32_MAX)
		return false;
	*id = (int64_t)v;
	return true;
}

static size_t thread_list(struct gdb_stub *s, uint32_t *ids)
{
	if (!s->ops->thread_list) {
		ids[0] = 1;
		return 1;
	}
	return s->ops->thread_list(s->target, ids, GDB_THREADS_MAX);
}

static bool thread_exists(struct gdb_stub *s, uint32_t id)
{
	uint32_t ids[GDB_THREADS_MAX];
	size_t n = thread_list(s, ids);
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return id == current_thread(s);
}

/* Hg ID: whose registers and memory g, G, p, P, m and M see.  Hc ID: which
 * thread c and s resume; the machine always resumes as a whole (all-stop), so
 * any existing thread is accepted. */
static size_t set_thread(struct gdb_stub *s, const char *p, char *reply)
{
	int64_t id;
	char op = *p++;
	if ((op != 'g' && op != 'c') || !parse_thread(p, &id))
		return put(reply, E_INVAL);
	if (id > 0 && !thread_exists(s, (uint32_t)id))
		return put(reply, E_SRCH);
	if (op == 'g' && s->ops->thread_select &&
	    s->ops->thread_select(s->target, id > 0 ? (uint32_t)id : 0))
		return put(reply, E_SRCH);
	return put(reply, "OK");
}

/* T ID: is the thread alive? */
static size_t thread_alive(struct gdb_stub *s, const char *p, char *reply)
{
	int64_t id;
	if (!parse_thread(p, &id) || id <= 0)
		return put(reply, E_INVAL);
	return put(reply, thread_exists(s, (uint32_t)id) ? "OK" : E_SRCH);
}

/* qfThreadInfo: every thread in one `m` reply (qsThreadInfo then ends it). */
static size_t list_threads(struct gdb_stub *s, char *reply)
{
	uint32_t ids[GDB_THREADS_MAX];
	size_t n = thread_list(s, ids), len = put(reply, "m");
	bool cur_listed = false;
	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(reply + len, 16, "%s%02x", i ? "," : "", ids[i]);
		cur_listed |= ids[i] == current_thread(s);
	}
	if (!cur_listed) /* the CPU outside any listed thread is one too */
		len += (size_t)snprintf(reply + len, 16, "%s%02x", n ? "," : "", current_thread(s));
	return len;
}

/* qThreadExtraInfo,ID: what gdb shows in `info threads`, hex-encoded. */
static size_t thread_extra(struct gdb_stub *s, const char *p, char *reply)
{
	int64_t id;
	char text[128];
	if (!parse_thread(p, &id) || id <= 0)
		return put(reply, E_INVAL);
	if (!s->ops->thread_describe) {
		if (id != 1)
			return put(reply, E_SRCH);
		snprintf(text, sizeof(text), "CPU");
	} else if (s->ops->thread_describe(s->target, (uint32_t)id, text, sizeof(text))) {
		return put(reply, E_SRCH);
	}
	size_t n = strnlen(text, sizeof(text) - 1);
	rsp_hex_encode(reply, (const uint8_t *)text, n);
	return 2 * n;
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static size_t read_features(const char *p, char *reply)
{
	static const char prefix[] = "target.xml:";
	uint64_t off, len;
	if (strncmp(p, prefix, sizeof(prefix) - 1))
		return put(reply, E_INVAL);
	p += sizeof(prefix) - 1;
	if (!parse_addr_len(&p, &off, &len, 0))
		return put(reply, E_INVAL);
	const char *xml = gdb_target_xml();
	size_t total = strlen(xml);
	if (off > total)
		return put(reply, E_INVAL);
	if (len > GDB_REPLY_MAX - 1)
		len = GDB_REPLY_MAX - 1;
	size_t n = total - off < len ? total - off : len;
	reply[0] = off + n < total ? 'm' : 'l';
	memcpy(reply + 1, xml + off, n);
	return n + 1;
}

static size_t query(struct gdb_stub *s, const char *p, char *reply)
{
	if (!strncmp(p, "qSupported", 10)) {
		/* hwbreak+: a stop at a hardware breakpoint says so ("hwbreak:;"),
		 * which gdb otherwise rejects ("Unexpected hwbreak stop reason") */
		char buf[128];
		snprintf(buf, sizeof(buf),
		         "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;hwbreak+",
		         RSP_PACKET_MAX);
		return put(reply, buf);
	}
	if (!strncmp(p, "qXfer:features:read:", 20))
		return read_features(p + 20, reply);
	if (!strcmp(p, "qAttached"))
		return put(reply, "1");
	if (!strcmp(p, "qC")) {
		char qc[16];
		snprintf(qc, sizeof(qc), "QC%02x", current_thread(s));
		return put(reply, qc);
	}
	if (!strcmp(p, "qfThreadInfo"))
		return list_threads(s, reply);
	if (!strcmp(p, "qsThreadInfo"))
		return put(reply, "l");
	if (!strncmp(p, "qThreadExtraInfo,", 17))
		return thread_extra(s, p + 17, reply);
	if (!strncmp(p, "qSymbol", 7))
		return put(reply, "OK");
	if (!strcmp(p, "QStartNoAckMode")) {
		s->no_ack = true; /* takes effect after this reply is acknowledged */
		return put(reply, "OK");
	}
	return 0;
}

enum gdb_action gdb_stub_dispatch(struct gdb_stub *s, const char *pkt, size_t len, char *reply,
                                  size_t *reply_len)
{
	*reply_len = 0;
	if (len == 0)
		return GDB_REPLY;
	const char *p = pkt + 1;
	switch (pkt[0]) {
	case '?':
		*reply_len = put(reply, s->stop_reply);
		return GDB_REPLY;
	case 'g':
		*reply_len = read_all_regs(s, reply);
		return GDB_REPLY;
	case 'G':
		*reply_len = write_all_regs(s, p, len - 1, reply);
		return GDB_REPLY;
	case 'p':
		*reply_len = read_one_reg(s, p, reply);
		return GDB_REPLY;
	case 'P':
		*reply_len = write_one_reg(s, p, reply);
		return GDB_REPLY;
	case 'm':
		*reply_len = read_memory(s, p, reply);
		return GDB_REPLY;
	case 'M':
		*reply_len = write_memory(s, p, len - 1, reply);
		return GDB_REPLY;
	case 'Z':
	case 'z':
		*reply_len = breakpoint(s, p, pkt[0] == 'Z', reply);
		return GDB_REPLY;
	case 'C': /* C SIG[;ADDR]: the guest gets no signals from gdb; resume */
	case 'S':
		p += strcspn(p, ";");
		if (*p)
			p++;
		/* fall through */
	case 'c':
	case 's': {
		if (*p) { /* c ADDR: resume at ADDR */
			uint64_t addr;
			struct gdb_regs r;
			if (!rsp_parse_hex(&p, &addr) || *p || s->ops->get_regs(s->target, &r)) {
				*reply_len = put(reply, E_INVAL);
				return GDB_REPLY;
			}
			gdb_reg_set(&r, GDB_RIP, addr);
			if (s->ops->set_regs(s->target, &r)) {
				*reply_len = put(reply, E_FAULT);
				return GDB_REPLY;
			}
		}
		return pkt[0] == 'c' || pkt[0] == 'C' ? GDB_CONTINUE : GDB_STEP;
	}
	case 'k':
		return GDB_KILL;
	case 'v':
		if (!strncmp(pkt, "vKill", 5))
			return GDB_KILL;
		return GDB_REPLY; /* vCont? and the rest: unsupported, gdb uses c and s */
	case 'D':
		*reply_len = put(reply, "OK");
		return GDB_DETACH;
	case 'H':
		*reply_len = set_thread(s, p, reply);
		return GDB_REPLY;
	case 'T':
		*reply_len = thread_alive(s, p, reply);
		return GDB_REPLY;
	case 'q':
	case 'Q':
		*reply_len = query(s, pkt, reply);
		return GDB_REPLY;
	default:
		return GDB_REPLY;
	}
}

/* --- the connection --- */

static bool send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			poll(&p, 1, -1);
			continue;
		}
		if (n <= 0)
			return false;
		buf += n, len -= (size_t)n;
	}
	return true;
}

static bool send_packet(struct gdb_stub *s, int fd, const char *payload, size_t len)
{
	s->out_len = rsp_frame(s->out, sizeof(s->out), payload, len);
	return s->out_len && send_all(fd, s->out, s->out_len);
}

bool gdb_stub_send(struct gdb_stub *s, int fd, const char *payload)
{
	return send_packet(s, fd, payload, strlen(payload));
}

/* The next byte from the client, blocking; -1 once it is gone (said why). */
static int next_byte(struct gdb_stub *s, int fd)
{
	while (s->in_pos == s->in_len) {
		ssize_t n = read(fd, s->in, sizeof(s->in));
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			if (s->cancelled && s->cancelled())
				return -1;
			struct pollfd p = {.fd = fd,
			                   .events = POLLIN}; /* the socket does not block */
			poll(&p, 1, -1);
			continue;
		}
		if (n <= 0) {
			fprintf(stderr, "exosim: gdb: the client %s\n",
			        n == 0 ? "closed the connection" : strerror(errno));
			return -1;
		}
		s->in_pos = 0, s->in_len = (size_t)n;
	}
	return s->in[s->in_pos++];
}

/* One event from the protocol: a packet is then handled. */
static enum gdb_action take_event(struct gdb_stub *s, int fd, enum rsp_event ev)
{
	static char reply[GDB_REPLY_MAX];
	size_t reply_len;
	switch (ev) {
	case RSP_PACKET: {
		bool ack = !s->no_ack;
		if (ack && !send_all(fd, "+", 1))
			return GDB_DISCONNECTED;
		enum gdb_action a = gdb_stub_dispatch(s, s->rsp.buf, s->rsp.len, reply, &reply_len);
		if (a == GDB_REPLY || a == GDB_DETACH)
			if (!send_packet(s, fd, reply, reply_len))
				return GDB_DISCONNECTED;
		return a;
	}
	case RSP_BADSUM:
		if (s->no_ack) {
			fprintf(stderr, "exosim: gdb: dropped a packet with a bad checksum\n");
			return GDB_REPLY;
		}
		return send_all(fd, "-", 1) ? GDB_REPLY : GDB_DISCONNECTED;
	case RSP_OVERSIZE:
		fprintf(stderr, "exosim: gdb: refused a packet longer than %d bytes\n",
		        RSP_PACKET_MAX);
		if (!s->no_ack && !send_all(fd, "+", 1))
			return GDB_DISCONNECTED;
		return send_packet(s, fd, E_INVAL, 3) ? GDB_REPLY : GDB_DISCONNECTED;
	case RSP_NAK:
		if (s->out_len && !send_all(fd, s->out, s->out_len))
			return GDB_DISCONNECTED;
		return GDB_REPLY;
	default: /* acks, an interrupt while already stopped, noise */
		return GDB_REPLY;
	}
}

enum gdb_action gdb_stub_converse(struct gdb_stub *s, int fd, bool send_stop)
{
	if (send_stop && !gdb_stub_send(s, fd, s->stop_reply))
		return GDB_DISCONNECTED;
	for (;;) {
		int c = next_byte(s, fd);
		if (c < 0)
			return GDB_DISCONNECTED;
		enum gdb_action a = take_event(s, fd, rsp_feed(&s->rsp, (uint8_t)c));
		if (a != GDB_REPLY)
			return a;
	}
}

bool gdb_stub_poll_interrupt(struct gdb_stub *s, int fd, bool *gone)
{
	*gone = false;
	for (;;) {
		if (s->in_pos == s->in_len) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (poll(&p, 1, 0) <= 0)
				return false;
			ssize_t n = read(fd, s->in, sizeof(s->in));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				return false;
			if (n <= 0) {
				fprintf(stderr, "exosim: gdb: the client closed the connection\n");
				*gone = true;
				return false;
			}
			s->in_pos = 0, s->in_len = (size_t)n;
		}
		enum rsp_event ev = rsp_feed(&s->rsp, s->in[s->in_pos++]);
		if (ev == RSP_INTERRUPT)
			return true;
		/* A packet while running is not all-stop protocol: ignore it. */
	}
}
