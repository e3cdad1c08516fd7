/* The virtio-net driver (kernel side; exosim's device is hostsim's virtio-net): one per
 * NIC, owning its receive queue (0) and transmit queue (1) and the buffers on both.  It
 * knows nothing of filters or capabilities: net.c decides where a received frame goes and
 * checks what is sent. */
#ifndef KERNEL_VIRTIO_NIC_H
#define KERNEL_VIRTIO_NIC_H

#include <stdint.h>

#include "virtio.h"

#define VIRTIO_ID_NET 1

struct virtio_net;

/* Negotiates, posts the receive buffers and publishes the NIC in exo_kinfo.nic[index];
 * NULL (one line said) if the device will not do. */
struct virtio_net *virtio_net_attach(struct virtio_dev *d, unsigned index);

/* A transmit buffer of NIC `nic` for a frame of up to EXO_NET_TX_MAX bytes, or NULL when
 * the queue is full; virtio_net_send(nic, len) queues it, virtio_net_kick tells the device
 * about all that were queued. */
uint8_t *virtio_net_tx_buf(unsigned nic);
void virtio_net_send(unsigned nic, uint32_t len);
void virtio_net_kick(unsigned nic);

/* The device's interrupt: hands each received frame to net_receive, posts its buffer
 * again, takes finished transmits. */
void virtio_net_irq(struct virtio_net *n);

/* net.c: a frame arrived on NIC nic. */
void net_receive(unsigned nic, const uint8_t *frame, uint32_t len);

#endif
