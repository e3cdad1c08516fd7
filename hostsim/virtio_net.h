/* virtio-net (virtio 1.x section 5.1): `--net SPEC [--mac MAC]`, repeatable.
 * Two queues (receive 0, transmit 1), the 12-byte virtio_net_hdr_v1 in front
 * of every frame, features MAC and STATUS (the link is down while a socket
 * backend has no peer), no offloads and no MRG_RXBUF: a receive buffer must
 * hold a header and a 1518-byte frame.  Frames go to and come from a backend
 * (net_backend.h); a transmit kick is served on the I/O thread, a frame from
 * outside goes into the next receive buffer.
 *
 * The guest is not trusted: a transmit chain with device-writable buffers, a
 * frame shorter than an Ethernet header or longer than 1518 bytes, or an
 * offload never offered is a bad request (one line, counted) and the frame is
 * dropped and counted; so is a receive buffer too small for the frame. */
#ifndef HOSTSIM_VIRTIO_NET_H
#define HOSTSIM_VIRTIO_NET_H

struct vm;
struct virtio_mmio;
struct virtio_net;

/* Opens the backend (exits on a bad spec) and puts the device in the next
 * virtio slot.  mac: "52:54:00:12:34:56", or NULL for 52:54:00:12:34:(56+i). */
void virtio_net_attach(struct vm *vm, const char *spec, const char *mac);

/* Backend threads (libslirp's) with the vCPU; then closes every device. */
void virtio_net_start_all(void);
/* When the guest has stopped: sends what it queued and the I/O thread has not
 * (a NIC transmits what it was given, even as the machine goes down). */
void virtio_net_flush_all(void);
void virtio_net_stop_all(void);
void virtio_net_detach_all(void);

/* The parts, for unit tests that drive a device without KVM. */
struct virtio_net *virtio_net_new(const char *spec, const char *mac, int index);
const struct virtio_type *virtio_net_type(struct virtio_net *d);
void virtio_net_bind(struct virtio_net *d, struct virtio_mmio *t);
void virtio_net_start(struct virtio_net *d); /* its backend's thread, if any */
void virtio_net_flush(struct virtio_net *d); /* virtio_net_flush_all's part */
void virtio_net_free(struct virtio_net *d);

#endif
