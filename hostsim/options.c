#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fail.h"
#include "options.h"

#define MEM_MIN (16ull << 20)
#define MEM_MAX (64ull << 30)

static const char usage_text[] =
        "usage: exosim [OPTIONS] PROGRAM [ARGS...]\n"
        "Boot the exosim exokernel in a KVM virtual machine and run PROGRAM in ring 3.\n"
        "PROGRAM's output goes to stdout, kernel diagnostics to stderr, and exosim exits\n"
        "with PROGRAM's exit status.\n"
        "\n"
        "options:\n"
        "  --kernel FILE     the kernel ELF (default: kernel.elf next to exosim)\n"
        "  --initrd FILE     boot this initramfs (cpio newc) instead of packing PROGRAM\n"
        "  --pack FILE       write the initramfs for PROGRAM ARGS to FILE and exit\n"
        "                    (it boots the same kernel under QEMU with -initrd)\n"
        "  --append STR      add STR to the kernel command line (e.g. \"verbose\")\n"
        "  --mem SIZE        guest memory, with K, M or G suffix (default 256M)\n"
        "  --timeout SECS    stop the guest after SECS seconds (fractions allowed)\n"
        "  --stats           print VM exits by reason and port, and timings, to stderr\n"
        "  --help            show this help\n"
        "  --version         show the version\n"
        "\n"
        "exit status: the guest's status (0-255; a program killed by an exception\n"
        "ends with 128 + signal, e.g. 139 for a page fault), except exosim's own,\n"
        "which a guest can never report:\n"
        "  120  bad command line\n"
        "  121  /dev/kvm is missing or not accessible\n"
        "  122  a file is missing or unreadable\n"
        "  123  not an ELF, not x86-64, no PVH note, or malformed segments\n"
        "  124  --timeout reached\n"
        "  125  the guest crashed (triple fault, unexpected VM exit); registers follow\n"
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

static const char *default_kernel(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		return "kernel.elf";
	path[n] = 0;
	char *slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) + sizeof("/kernel.elf") > sizeof(path))
		return "kernel.elf";
	strcpy(slash + 1, "kernel.elf");
	return path;
}

void options_parse(struct options *o, int argc, char **argv)
{
	enum { KERNEL = 256, INITRD, PACK, APPEND, MEM, TIMEOUT, STATS, HELP, VERSION };
	static const struct option longopts[] = {
	        {"kernel", required_argument, 0, KERNEL},
	        {"initrd", required_argument, 0, INITRD},
	        {"pack", required_argument, 0, PACK},
	        {"append", required_argument, 0, APPEND},
	        {"mem", required_argument, 0, MEM},
	        {"timeout", required_argument, 0, TIMEOUT},
	        {"stats", no_argument, 0, STATS},
	        {"help", no_argument, 0, HELP},
	        {"version", no_argument, 0, VERSION},
	        {0, 0, 0, 0},
	};
	*o = (struct options){.mem = 256ull << 20, .append = ""};
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
	if (!o->kernel)
		o->kernel = default_kernel();
	if (o->initrd && o->argc)
		fail(EXOSIM_EXIT_USAGE, "give either --initrd or a PROGRAM, not both");
	if (!o->initrd && !o->argc)
		fail(EXOSIM_EXIT_USAGE, "no PROGRAM given (see --help)");
	if (o->pack && o->initrd)
		fail(EXOSIM_EXIT_USAGE, "--pack needs a PROGRAM, not --initrd");
}
