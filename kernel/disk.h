/* Disk capabilities and the disk system calls (include/exo/disk.h). */
#ifndef KERNEL_DISK_H
#define KERNEL_DISK_H

#include <stdint.h>

struct env;

/* Gives e (the first environment) a root extent over every disk, recorded in
 * exo_kinfo.disk[i].root_cap. */
void disk_grant_roots(struct env *e);

long sys_disk_io(uint64_t reqs, uint64_t n);
long sys_disk_flush(uint64_t extent, uint64_t word);
long sys_disk_status(uint64_t page_cap, uint64_t index);
long sys_disk_batch(uint64_t extent, uint64_t pages, uint64_t op, uint64_t reqs, uint64_t n);

#endif
