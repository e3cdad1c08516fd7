/* The initramfs as the Linux program's root: rootfs's tables sized to the
 * archive and mapped at LINUX_ROOTFS, then every entry indexed.
 *
 * The kernel reads only the first few entries (the ones that start ExOS), so
 * this is where the rest of the archive is checked.  An archive ExOS cannot
 * index whole is refused in one line with exosim's status, never half-indexed
 * in silence: a program would otherwise see some of its files and not others. */
#include <exos/sys.h>
#include <exos/vm.h>

#include "cpio.h"
#include "linux.h"
#include "rootfs.h"
#include "vfs.h"

void linux_initrd_root(struct rootfs *fs, uint32_t extra)
{
	const void *a = (const void *)EXO_INITRD;
	size_t len = exo_kinfo()->initrd_size, at = 0;
	long nodes = rootfs_cpio_nodes(a, len, &at);

	if (nodes < 0)
		linux_refuse(EXOSIM_EXIT_BADARCHIVE, "exos: bad initramfs: %s (at byte %zu)\n",
		             cpio_strerror((int)nodes), at);
	size_t bytes = rootfs_mem_size((uint32_t)nodes + extra);
	void *mem = bytes <= LINUX_ROOTFS_MAX ? fs_memory(LINUX_ROOTFS, bytes) : NULL;
	if (!mem)
		linux_refuse(EXOSIM_EXIT_NOMEM,
		             "exos: no memory to index the initramfs (%ld nodes, %zu KiB)\n", nodes,
		             bytes >> 10);
	rootfs_init(fs, mem, (uint32_t)nodes + extra);

	struct rootfs_bad bad;
	if (rootfs_load_cpio(fs, a, len, &bad) >= 0)
		return;
	char line[ROOTFS_BAD_SHOWN];
	linux_refuse(EXOSIM_EXIT_BADARCHIVE, "exos: bad initramfs: %s\n",
	             rootfs_bad_str(&bad, line, sizeof(line)));
}
