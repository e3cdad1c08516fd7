/* The file layer of ExOS's Linux personality: the read-only initramfs root,
 * /dev, /proc/self, pipes and the console, behind Linux's descriptors.
 *
 * One module per concept (vfs.h holds what they share): fd.c descriptors and
 * open file descriptions, open.c opening, io.c reads and writes, poll.c
 * waiting, pipe.c pipes, dev.c devices and the console, path.c lookup and the
 * working directory, stat.c metadata, dir.c directory reading, tree.c the
 * calls that would change the tree.  This file holds the shared state and the
 * interfaces linux.h gives the rest of ExOS. */
#include <string.h>

#include <exos/sys.h>
#include <exos/vm.h>

#include "fs.h"
#include "linux.h"
#include "rootfs.h"
#include "vfs.h"

struct rootfs root;
int cwd = ROOTFS_ROOT; /* counted in its node's opens (path.c) */
char path1[PATH_MAX];
uint8_t iobuf[IOBUF];

/* Room in the tree for /tmp's files: Linux's tmpfs allows one inode per two
 * pages of memory; ours cost ~120 bytes each, mapped up front. */
static uint32_t tmp_nodes(void)
{
	uint64_t n = exo_kinfo()->ram_pages / 64;

	return n < 256 ? 256 : n > 65536 ? 65536 : (uint32_t)n;
}

void linux_fs_init(void)
{
	linux_initrd_root(&root, DEV_NODES + PROC_NODES + tmp_nodes());
	dev_add_nodes();
	proc_add_nodes();
	tmp_init();
	root.node[cwd].opens++;
	for (int fd = 0; fd < 3; fd++) {
		uint32_t acc = fd == 0 ? LINUX_O_RDONLY : LINUX_O_WRONLY;
		struct ofile *of =
		        of_alloc(K_CONSOLE, -1, (linux_opts.isatty[fd] ? LINUX_O_RDWR : acc));

		of->stream = (uint8_t)fd;
		fd_new(of, false);
	}
}

const void *linux_fs_file(const char *path, size_t *size)
{
	int n = rootfs_resolve(&root, cwd, path, ROOTFS_FOLLOW, NULL);

	if (n < 0 || !rootfs_is_reg(&root, n))
		return NULL;
	*size = root.node[n].size;
	return root.node[n].data;
}

/* execve's lookup: a regular file with an execute bit, as Linux asks. */
long linux_fs_exec_file(const char *path, const void **data, size_t *size)
{
	int n = rootfs_resolve(&root, cwd, path, ROOTFS_FOLLOW, NULL);

	if (n < 0)
		return n;
	if (!rootfs_is_reg(&root, n) || !(root.node[n].mode & 0111))
		return -LINUX_EACCES;
	*size = root.node[n].size;
	*data = root.node[n].data;
	return 0;
}

long linux_fs_pread(int fd, void *buf, size_t n, uint64_t off)
{
	struct ofile *of = getf(fd);

	if (!of || !readable(of))
		return -LINUX_EBADF;
	if (!seekable(of))
		return -LINUX_ESPIPE;
	return do_read(of, (uint64_t)buf, n, &off, false);
}
