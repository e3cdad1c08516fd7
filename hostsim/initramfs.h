/* The initramfs handed to the kernel as PVH module 0: the program, its
 * arguments and environment (see docs/boot.md for the layout). */
#ifndef HOSTSIM_INITRAMFS_H
#define HOSTSIM_INITRAMFS_H

#include <stddef.h>
#include <stdint.h>

struct initramfs {
	uint8_t *data;
	size_t size;
};

struct options;

/* Packs PROGRAM (o->argv[0]) with its arguments o->argv[0..argc) (argv[0] as
 * given, as Linux passes it) and the --add files.  A program linked with ExOS
 * (its ELF note) is the first environment itself; a Linux program comes with
 * ExOS (o->libos), its settings and exosim's environment.  Validates the
 * program first: exits with EXOSIM_EXIT_NOFILE or EXOSIM_EXIT_BADELF and one
 * line if it cannot run. */
void initramfs_build(struct initramfs *out, const struct options *o);

/* Reads an archive the user handed over with --initrd and checks it as the
 * kernel and ExOS will: exits with EXOSIM_EXIT_BADARCHIVE (or _BADELF for its
 * program) and one line if they would refuse it. */
void initramfs_read(struct initramfs *out, const char *path);

void initramfs_free(struct initramfs *r);

#endif
