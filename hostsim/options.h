/* exosim's command line. */
#ifndef HOSTSIM_OPTIONS_H
#define HOSTSIM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* --append's limit: the PVH command line holds 4095 bytes (PVH_CMDLINE_MAX
 * with its NUL), of which 128 are kept for exosim's own words (exosim.tsc_khz=,
 * exo.epoch_ns=, exo.stats exo.tsc_start=, noxsave, exo.gdb=1: at most 122 bytes).  Longer is
 * refused, never cut. */
#define OPTIONS_APPEND_MAX 3967

struct options {
	const char *kernel; /* --kernel, default: kernel.elf next to exosim */
	const char *initrd; /* --initrd: an archive instead of PROGRAM */
	const char *pack;   /* --pack: write the initramfs and stop */
	const char *append; /* --append: more kernel command line */
	uint64_t mem;       /* --mem, bytes */
	double timeout;     /* --timeout, seconds; 0 = none */
	bool stats;         /* --stats */
	const char *libos;  /* --libos: ExOS, default: exos.elf next to exosim */
	bool trace;         /* --trace-syscalls: ExOS prints each Linux call */
	bool no_rewrite;    /* --no-rewrite: ExOS keeps trapping syscall sites */
	int nadd;           /* --add HOST[:GUEST] */
	const char **add;
	int ndisks; /* --disk FILE[,ro] */
	const char **disks;
	int nnets; /* --net SPEC */
	const char **nets;
	int nmacs; /* --mac MAC: the i-th for the i-th --net */
	const char **macs;
	const char *gdb;  /* --gdb [HOST:]PORT */
	bool gdb_no_wait; /* --gdb-no-wait */
	int argc;         /* PROGRAM ARGS... */
	char **argv;
};

/* Parses argv; prints help or version and exits 0, or fails with
 * EXOSIM_EXIT_USAGE and one line. */
void options_parse(struct options *o, int argc, char **argv);
void options_free(struct options *o);

#endif
