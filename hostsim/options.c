#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fail.h"
#include "options.h"

#define STR_(x)        #x
#define STR(x)         STR_(x)
#define APPEND_MAX_STR STR(OPTIONS_APPEND_MAX)

#define MEM_MIN (16ull << 20)
#define MEM_MAX (64ull << 30)

static const char usage_text[] =
        "usage: exosim [OPTIONS] PROGRAM [ARGS...]\n"
        "Boot the exosim exokernel in a KVM virtual machine and run PROGRAM in ring 3.\n"
        "PROGRAM is a static x86-64 Linux program, run by the ExOS library OS, or a\n"
        "program linked with ExOS itself (apps/), run directly.  It gets exosim's stdin,\n"
        "stdout, stderr and environment; exosim exits with PROGRAM's exit status.\n"
        "\n"
        "options:\n"
        "  --kernel FILE     the kernel ELF (default: kernel.elf next to exosim)\n"
        "  --initrd FILE     boot this initramfs (cpio newc) instead of packing PROGRAM\n"
        "  --pack FILE       write the initramfs for PROGRAM ARGS to FILE and exit\n"
        "                    (it boots the same kernel under QEMU with -initrd)\n"
        "  --add HOST[:GUEST] put file or directory HOST in the guest's read-only root\n"
        "                    at GUEST (default: HOST without a leading / or ./); the\n"
        "                    guest starts in /, so relative paths work as on the host\n"
        "  --disk FILE[,ro]  a virtio-blk disk backed by FILE (a regular file of\n"
        "                    whole 512-byte sectors, or a block device), through\n"
        "                    io_uring; ,ro makes it read-only; repeatable (up to 8\n"
        "                    virtio devices); the file is locked while exosim runs\n"
        "  --net SPEC        a virtio-net device; SPEC is one of\n"
        "                      user[,hostfwd=PROTO:[HOSTADDR]:HOSTPORT-[GUESTADDR]:PORT]...\n"
        "                        user-mode networking (libslirp, no root): the guest is\n"
        "                        10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3; a\n"
        "                        forward's HOSTADDR defaults to 127.0.0.1\n"
        "                      tap,ifname=NAME   a tap interface (needs root)\n"
        "                      socket,listen=PATH | socket,connect=PATH\n"
        "                        a Unix-socket link to another exosim\n"
        "                    repeatable; up to 8 virtio devices in all\n"
        "  --mac MAC         the MAC of the i-th --net (default 52:54:00:12:34:56+i)\n"
        "  --trace-syscalls  ExOS prints each Linux system call to stderr\n"
        "  --no-rewrite      ExOS traps every Linux system call instead of rewriting\n"
        "                    each `syscall` site into a jump to ExOS on first use\n"
        "  --libos FILE      the ExOS ELF (default: exos.elf next to exosim)\n"
        "  --append STR      add STR to the kernel command line (e.g. \"verbose\");\n"
        "                    at most " APPEND_MAX_STR " bytes\n"
        "  --mem SIZE        guest memory, with K, M or G suffix, 16M..64G (default\n"
        "                    4G: 3G below the device hole at 3-4 GiB, the rest above\n"
        "                    it); the host backs it lazily, as the guest touches it\n"
        "  --timeout SECS    end the whole run after SECS seconds, even while exosim\n"
        "                    waits on stdout (fractions allowed)\n"
        "  --gdb [HOST:]PORT serve the gdb remote protocol on HOST (default\n"
        "                    127.0.0.1) and PORT (0: any free one); the guest waits\n"
        "                    for gdb before its first instruction; the banner on\n"
        "                    stderr says how to connect and which symbol files to\n"
        "                    load (docs/debugging.md)\n"
        "  --gdb-no-wait     with --gdb: run at once; gdb may connect later\n"
        "  --stats           print VM exits by reason and port, timings, refused guest\n"
        "                    requests and unknown I/O by device, the kernel's\n"
        "                    crossings and upcalls, and where boot time went\n"
        "                    (boot_us: each phase in us, docs/boot.md), to stderr\n"
        "  --help            show this help\n"
        "  --version         show the version\n"
        "\n"
        "exit status: PROGRAM's own status, 0-255.  A program the kernel ended is\n"
        "reported by the kernel by vector; exosim exits with 128 + the signal Linux\n"
        "would have sent: 139 for a page fault or #GP (SIGSEGV), 136 for a divide\n"
        "error or x87/SIMD fault (SIGFPE), 132 for #UD (SIGILL), 133 for int3 or #DB\n"
        "(SIGTRAP), 135 for #AC, #SS or #NP (SIGBUS), 139 for an upcall it could not\n"
        "deliver, 137 for an environment destroyed (SIGKILL).  A Linux program that\n"
        "runs out of memory ends as Linux's OOM killer would end it: 137, with one\n"
        "line on stderr.  exosim's own failures use the statuses below and always\n"
        "print a line on stderr.  A Linux program may exit with any of them too: its\n"
        "status passes through unchanged, as with timeout, env and docker run, so\n"
        "the stderr line tells the two apart.  With --gdb, gdb's kill ends the run\n"
        "with 137.\n"
        "  120  bad command line\n"
        "  121  /dev/kvm is missing or not accessible\n"
        "  122  a file is missing or unreadable, or not a regular file; a port (--gdb,\n"
        "       a hostfwd) cannot be bound\n"
        "  123  a malformed file: a program or kernel that is not an x86-64 ELF, has no\n"
        "       PVH note or bad segments; an --initrd that is not a valid cpio newc\n"
        "       archive or names no program\n"
        "  124  --timeout reached\n"
        "  125  the guest crashed (triple fault, unexpected VM exit); registers follow\n"
        "       (with --gdb the run first stops there for gdb)\n"
        "  126  the kernel or the programs do not fit in guest memory\n"
        "  127  exosim itself failed (a KVM call, out of host memory)\n";

static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	unsigned shift = 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 0:
		shift = 20;
		break; /* a bare number is MiB, as QEMU's -m */
	}
	if (errno || *end || end == s || v > (MEM_MAX >> shift))
		fail(EXOSIM_EXIT_USAGE, "--mem %s: not a size (try 256M or 1G)", s);
	v <<= shift;
	if (v < MEM_MIN || v > MEM_MAX)
		fail(EXOSIM_EXIT_USAGE, "--mem %s: must be between 16M and 64G", s);
	return v & ~4095ull;
}

static double parse_seconds(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || end == s || !(v > 0) || v > 1e6)
		fail(EXOSIM_EXIT_USAGE, "--timeout %s: not a positive number of seconds", s);
	return v;
}

/* A repeatable option's list, one longer. */
static const char **push(const char **list, int *n, const char *value)
{
	list = realloc(list, (size_t)(*n + 1) * sizeof(*list));
	if (!list)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	list[(*n)++] = value;
	return list;
}

/* name next to exosim's own executable (the build tree's layout), in path. */
static const char *beside_exosim(const char *name, char path[PATH_MAX])
{
	ssize_t n = readlink("/proc/self/exe", path, PATH_MAX - 1);
	char *slash = n > 0 ? (path[n] = 0, strrchr(path, '/')) : NULL;
	if (!slash || (size_t)(slash - path) + strlen(name) + 2 > PATH_MAX)
		return name;
	strcpy(slash + 1, name);
	return path;
}

void options_parse(struct options *o, int argc, char **argv)
{
	enum {
		KERNEL = 256,
		INITRD,
		PACK,
		APPEND,
		MEM,
		TIMEOUT,
		STATS,
		HELP,
		VERSION,
		ADD,
		TRACE,
		NO_REWRITE,
		LIBOS,
		DISK,
		NET,
		MAC,
		GDB,
		GDB_NO_WAIT
	};
	static const struct option longopts[] = {
	        {"kernel", required_argument, 0, KERNEL},
	        {"initrd", required_argument, 0, INITRD},
	        {"pack", required_argument, 0, PACK},
	        {"append", required_argument, 0, APPEND},
	        {"mem", required_argument, 0, MEM},
	        {"timeout", required_argument, 0, TIMEOUT},
	        {"stats", no_argument, 0, STATS},
	        {"add", required_argument, 0, ADD},
	        {"trace-syscalls", no_argument, 0, TRACE},
	        {"no-rewrite", no_argument, 0, NO_REWRITE},
	        {"libos", required_argument, 0, LIBOS},
	        {"disk", required_argument, 0, DISK},
	        {"net", required_argument, 0, NET},
	        {"mac", required_argument, 0, MAC},
	        {"gdb", required_argument, 0, GDB},
	        {"gdb-no-wait", no_argument, 0, GDB_NO_WAIT},
	        {"help", no_argument, 0, HELP},
	        {"version", no_argument, 0, VERSION},
	        {0, 0, 0, 0},
	};
	/* 4G: enough for real programs (compilers, make -j), and cheap: the host
	 * backs guest RAM only as it is touched, the kernel's boot does not grow
	 * with it, and KVM's bookkeeping for the slot costs ~8 ms at 4G against ~2
	 * ms at 256M (docs/benchmarks.md). */
	*o = (struct options){.mem = 4ull << 30, .append = ""};
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case KERNEL:
			o->kernel = optarg;
			break;
		case INITRD:
			o->initrd = optarg;
			break;
		case PACK:
			o->pack = optarg;
			break;
		case APPEND:
			o->append = optarg;
			if (strlen(optarg) > OPTIONS_APPEND_MAX)
				fail(EXOSIM_EXIT_USAGE,
				     "--append: %zu bytes, more than the limit of %d (the kernel "
				     "command line holds 4095)",
				     strlen(optarg), OPTIONS_APPEND_MAX);
			break;
		case MEM:
			o->mem = parse_size(optarg);
			break;
		case TIMEOUT:
			o->timeout = parse_seconds(optarg);
			break;
		case STATS:
			o->stats = true;
			break;
		case ADD:
			o->add = push(o->add, &o->nadd, optarg);
			break;
		case DISK:
			o->disks = push(o->disks, &o->ndisks, optarg);
			break;
		case NET:
			o->nets = push(o->nets, &o->nnets, optarg);
			break;
		case MAC:
			o->macs = push(o->macs, &o->nmacs, optarg);
			break;
		case TRACE:
			o->trace = true;
			break;
		case NO_REWRITE:
			o->no_rewrite = true;
			break;
		case LIBOS:
			o->libos = optarg;
			break;
		case GDB:
			o->gdb = optarg;
			break;
		case GDB_NO_WAIT:
			o->gdb_no_wait = true;
			break;
		case HELP:
			fputs(usage_text, stdout);
			exit(0);
		case VERSION:
			printf("exosim %s\n", EXOSIM_VERSION);
			exit(0);
		default:
			fail(EXOSIM_EXIT_USAGE, "%s: unknown option or missing value (see --help)",
			     argv[optind - 1]);
		}
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	/* These shape the archive exosim packs: with a user's archive they would
	 * do nothing, so they are refused rather than ignored. */
	const char *packing = o->nadd         ? "--add"
	                      : o->libos      ? "--libos"
	                      : o->trace      ? "--trace-syscalls"
	                      : o->no_rewrite ? "--no-rewrite"
	                                      : NULL;
	if (o->initrd && packing)
		fail(EXOSIM_EXIT_USAGE, "%s shapes the archive exosim packs: not with --initrd",
		     packing);
	static char kernel_path[PATH_MAX], libos_path[PATH_MAX];
	if (!o->kernel)
		o->kernel = beside_exosim("kernel.elf", kernel_path);
	if (!o->libos)
		o->libos = beside_exosim("exos.elf", libos_path);
	if (o->initrd && o->argc)
		fail(EXOSIM_EXIT_USAGE, "give either --initrd or a PROGRAM, not both");
	if (!o->initrd && !o->argc)
		fail(EXOSIM_EXIT_USAGE, "no PROGRAM given (see --help)");
	if (o->pack && o->initrd)
		fail(EXOSIM_EXIT_USAGE, "--pack needs a PROGRAM, not --initrd");
	if (o->pack && (o->ndisks || o->nnets))
		fail(EXOSIM_EXIT_USAGE,
		     "--disk and --net attach devices to a run: not with --pack");
	if (o->gdb_no_wait && !o->gdb)
		fail(EXOSIM_EXIT_USAGE, "--gdb-no-wait needs --gdb");
	if (o->gdb && o->pack)
		fail(EXOSIM_EXIT_USAGE, "--gdb debugs a run: not with --pack");
	if (o->nmacs > o->nnets)
		fail(EXOSIM_EXIT_USAGE,
		     "--mac %s: more --mac than --net (the i-th --mac is the "
		     "i-th --net's)",
		     o->macs[o->nnets]);
}

void options_free(struct options *o)
{
	free(o->add);
	o->add = NULL;
	free(o->disks);
	o->disks = NULL;
	free(o->nets);
	o->nets = NULL;
	free(o->macs);
	o->macs = NULL;
}
