/* virtio-blk (virtio 1.x section 5.2) on a host file through io_uring:
 * `--disk FILE[,ro]`, repeatable.  One request queue; many requests in
 * flight, submitted to io_uring in one batch per kick and completed on the
 * I/O thread.  IN/OUT are readv/writev straight between the guest's buffers
 * and the file (O_DIRECT when aligned, disk_file.h), FLUSH is an fdatasync
 * (a flushed write is on the host file when FLUSH completes), GET_ID answers
 * the file's name.  Features: SEG_MAX, BLK_SIZE (512), FLUSH, and RO for
 * `,ro` (writes then fail with IOERR).
 *
 * The guest is not trusted: a chain with no 16-byte header, no status byte,
 * data that is not whole sectors, or buffers in the wrong direction is a bad
 * request (one line, counted) answered with IOERR; a request past the disk's
 * end gets IOERR; an unknown type UNSUPP. */
#ifndef HOSTSIM_VIRTIO_BLK_H
#define HOSTSIM_VIRTIO_BLK_H

struct vm;

/* Opens the disk (disk_file.h: exits on a bad file) and puts its device in
 * the next virtio slot. */
void virtio_blk_attach(struct vm *vm, const char *spec);

/* The parts, for unit tests that drive a device without KVM: */
struct virtio_blk;
struct virtio_mmio;
struct virtio_blk *virtio_blk_new(const char *spec, const char *name);
const struct virtio_type *virtio_blk_type(struct virtio_blk *b);
void virtio_blk_bind(struct virtio_blk *b, struct virtio_mmio *t); /* its transport */
int virtio_blk_fd(struct virtio_blk *b);                  /* readable when requests completed */
unsigned virtio_blk_inflight(const struct virtio_blk *b); /* submitted, not completed */
void virtio_blk_complete(void *b);           /* answers them (the transport's lock held) */
void virtio_blk_drain(struct virtio_blk *b); /* waits for those in flight */
void virtio_blk_free(struct virtio_blk *b);  /* drains, closes */

/* After the I/O thread stopped, before guest RAM goes: waits for the requests
 * still in flight (their buffers are guest memory). */
void virtio_blk_drain_all(void);

/* Closes every disk (after --stats printed their counters). */
void virtio_blk_detach_all(void);

#endif
