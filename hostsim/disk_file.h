/* A host file (or block device) behind a virtio-blk device: `--disk
 * FILE[,ro]`.  It is opened twice, buffered and, where the file system allows
 * it, O_DIRECT; a request whose buffers and offset meet the file's direct-I/O
 * alignment (statx's STATX_DIOALIGN) bypasses the host's page cache, any other
 * is buffered.  Linux keeps the two coherent for one file: a direct read
 * writes back dirty cached pages first, a direct write drops them.  The file
 * is locked (flock) so that two exosims cannot write one disk. */
#ifndef HOSTSIM_DISK_FILE_H
#define HOSTSIM_DISK_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#define DISK_SECTOR 512

struct disk_file {
	const char *path;
	const char *id; /* the file's name without its directory: GET_ID's answer */
	bool ro;
	int fd;                        /* buffered */
	int direct_fd;                 /* O_DIRECT, or -1 */
	uint32_t mem_align, off_align; /* what O_DIRECT needs of buffers and offsets */
	uint64_t size;                 /* bytes, a whole number of sectors */
};

/* Opens spec = "FILE" or "FILE,ro".  Exits with one line: EXOSIM_EXIT_NOFILE
 * if the file is missing, unreadable, not a regular file or block device, or
 * locked by another process; EXOSIM_EXIT_USAGE if its size is not a whole
 * number of 512-byte sectors. */
void disk_file_open(struct disk_file *d, const char *spec);

/* The descriptor to use for iov[0..n) at offset: direct if aligned. */
int disk_file_fd_for(const struct disk_file *d, const struct iovec *iov, int n, uint64_t offset);

void disk_file_close(struct disk_file *d);

#endif
