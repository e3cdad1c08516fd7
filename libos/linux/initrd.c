/* The initramfs as the Linux program's root: rootfs's tables sized to the
 * archive and mapped at LINUX_ROOTFS, then every entry indexed.
 *
 * The kernel reads only the first few entries (the ones that start ExOS), so
 * this is where the rest of the archive is checked.  An archive ExOS cannot
 * index whole is refused in one line with exosim's status, never half-indexed
 * in silence: a program would otherwise see some of its files and not others. */
#include <stdarg.h>
#include <stdio.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "cpio.h"
#include "linux.h"
#include "rootfs.h"

_Noreturn static void refuse(int status, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

_Noreturn static void refuse(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("exos: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
	va_end(ap);
	fflush(NULL);
	/* One of exosim's statuses, which ExOS reports for exosim. */
	exo_exit(status | EXO_EXIT_VERBATIM);
}

void linux_initrd_root(struct rootfs *fs, uint32_t extra)
{
	const void *a = (const void *)EXO_INITRD;
	size_t len = exo_kinfo()->initrd_size, at = 0;
	long nodes = rootfs_cpio_nodes(a, len, &at);

	if (nodes < 0)
		refuse(EXOSIM_EXIT_BADARCHIVE, "bad initramfs: %s (at byte %zu)",
		       cpio_strerror((int)nodes), at);
	size_t bytes = rootfs_mem_size((uint32_t)nodes + extra);
	size_t pages = (bytes + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE;
	if (bytes > LINUX_ROOTFS_MAX || pages > exo_kinfo()->free_pages ||
	    exos_map_range(LINUX_ROOTFS, pages, EXO_PTE_W | EXO_PTE_NX) < 0)
		refuse(EXOSIM_EXIT_NOMEM, "no memory to index the initramfs (%ld nodes, %zu KiB)",
		       nodes, bytes >> 10);
	rootfs_init(fs, (void *)LINUX_ROOTFS, (uint32_t)nodes + extra);

	struct rootfs_bad bad;
	if (rootfs_load_cpio(fs, a, len, &bad) >= 0)
		return;
	char line[ROOTFS_BAD_SHOWN];
	refuse(EXOSIM_EXIT_BADARCHIVE, "bad initramfs: %s",
	       rootfs_bad_str(&bad, line, sizeof(line)));
}
