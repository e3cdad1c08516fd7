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

/* Packs program argv[0] with arguments argv[0..argc) (argv[0] is the path as
 * given, as Linux passes it).  Validates the program first: exits with
 * EXOSIM_EXIT_NOFILE or EXOSIM_EXIT_BADELF and one line if it cannot run. */
void initramfs_build(struct initramfs *out, int argc, char *const argv[]);

/* Reads an archive the user handed over with --initrd. */
void initramfs_read(struct initramfs *out, const char *path);

void initramfs_free(struct initramfs *r);

#endif
