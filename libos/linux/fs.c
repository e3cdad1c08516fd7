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
#include "proc.h"
#include "rootfs.h"
#include "vfs.h"

struct fs_shared *linux_fs;
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

bool fs_is_shared(void)
{
	return linux_shared() != NULL;
}

void *fs_memory(uint64_t private_va, size_t bytes)
{
	if (fs_is_shared())
		return exos_shared_alloc(bytes);
	size_t pages = (bytes + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE;
	return pages <= exo_kinfo()->free_pages &&
	                       exos_map_run(private_va, pages, EXO_PTE_W | EXO_PTE_NX) >= 0
	               ? (void *)private_va
	               : NULL;
}

/* Without a region (no memory for it) there is one process: nothing to lock. */
void fs_lock(void)
{
	if (fs_is_shared())
		linux_shared_lock();
}

void fs_unlock(void)
{
	if (fs_is_shared())
		linux_shared_unlock();
}

void linux_fs_init(void)
{
	/* The region comes first: the tree and the open files live in it, so a
	 * forked child shares them. */
	linux_fs = fs_memory(LINUX_FS_PRIVATE, sizeof(struct fs_shared));
	if (!linux_fs)
		linux_refuse(EXOSIM_EXIT_NOMEM, "exos: no memory for the file table (%zu KiB)\n",
		             sizeof(struct fs_shared) >> 10);
	if (fs_is_shared())
		linux_shared()->fs_va = (uint64_t)linux_fs;
	linux_initrd_root(&root, DEV_NODES + PROC_NODES + tmp_nodes());
	dev_add_nodes();
	tmp_init(); /* before /proc: its pid directory's name is in /tmp's arena */
	proc_add_nodes();
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
