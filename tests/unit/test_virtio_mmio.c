/* The virtio-mmio transport (hostsim/virtio_mmio.c): a driver's bring-up as
 * Linux's virtio_mmio.c does it, feature negotiation, queue setup, notify and
 * interrupts, NEEDS_RESET on a bad ring, reset, and the accesses a driver must
 * not make. */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <string.h>

#include <hw/exo_blk.h>

#include "guest_mem.h"
#include "unit.h"
#include "virtio_mmio.h"

#define RAM (1u << 20)

static struct guest_mem mem;
static struct virtio_mmio t;
static int notified[2], irqs, resets;
static const uint8_t config[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static void on_notify(struct virtio_mmio *m, uint16_t q)
{
	(void)m;
	notified[q]++;
}

static void on_reset(struct virtio_mmio *m)
{
	(void)m;
	resets++;
}

static void on_irq(struct virtio_mmio *m)
{
	(void)m;
	irqs++;
}

static const struct virtio_type type = {.device_id = 2,
                                        .features = 1ull << 9,
                                        .nqueues = 2,
                                        .queue_max = 64,
                                        .seg_max = 8,
                                        .config_len = sizeof(config),
                                        .config = config,
                                        .notify = on_notify,
                                        .reset = on_reset};

static void setup(void)
{
	ck_assert_int_eq(guest_mem_init(&mem, RAM), 0);
	virtio_mmio_init(&t, &mem, "virtio-test", &type, NULL, on_irq);
	notified[0] = notified[1] = irqs = resets = 0;
}

static void teardown(void)
{
	guest_mem_free(&mem);
}

static uint32_t rd(uint64_t off)
{
	uint32_t v;
	virtio_mmio_access(&t, off, false, 4, (uint8_t *)&v);
	return v;
}

static void wr(uint64_t off, uint32_t v)
{
	virtio_mmio_access(&t, off, true, 4, (uint8_t *)&v);
}

static uint64_t device_features(void)
{
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	uint64_t f = (uint64_t)rd(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | rd(VIRTIO_MMIO_DEVICE_FEATURES);
}

static void driver_features(uint64_t f)
{
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
}

/* Queue q of num entries at base: desc, then avail, then used (4 KiB apart). */
static void setup_queue(uint32_t q, uint32_t num, uint64_t base)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, q);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
	wr(VIRTIO_MMIO_QUEUE_NUM, num);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)base);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(base >> 32));
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(base + 0x1000));
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(base + 0x2000));
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
}

/* Linux's order: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queues, DRIVER_OK. */
static void bring_up(uint64_t features)
{
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	driver_features(features);
	wr(VIRTIO_MMIO_STATUS,
	   VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
}

START_TEST(identity)
{
	ck_assert_uint_eq(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_ID), 2);
	uint64_t f = device_features();
	ck_assert(f & 1ull << VIRTIO_F_VERSION_1);
	ck_assert(f & 1ull << VIRTIO_RING_F_EVENT_IDX);
	ck_assert(f & 1ull << VIRTIO_RING_F_INDIRECT_DESC);
	ck_assert(f & 1ull << 9);
	uint8_t b[4];
	virtio_mmio_access(&t, VIRTIO_MMIO_CONFIG + 2, false, 2, b);
	ck_assert_uint_eq(b[0], 3);
	ck_assert_uint_eq(b[1], 4);
	char line[64];
	virtio_mmio_cmdline(line, sizeof(line), 0xfeb00000, 12);
	ck_assert_str_eq(line, " virtio_mmio.device=512@0xfeb00000:12");
}
END_TEST

START_TEST(bring_up_notify_interrupt)
{
	uint64_t f = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_RING_F_EVENT_IDX;
	bring_up(f);
	ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	ck_assert(virtio_mmio_has(&t, VIRTIO_RING_F_EVENT_IDX));
	ck_assert(!virtio_mmio_has(&t, VIRTIO_RING_F_INDIRECT_DESC));
	setup_queue(1, 16, 0x10000);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1);
	ck_assert(t.q[1].vq.event_idx);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1); /* before DRIVER_OK: not passed on */
	ck_assert_int_eq(notified[1], 0);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	ck_assert_int_eq(notified[1], 1);
	/* A used buffer interrupts when used_event asks (0: the first one). */
	virtq_push(&t.q[1].vq, 0, 0);
	virtio_mmio_used(&t, 1);
	ck_assert_int_eq(irqs, 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* A live queue's registers are not the driver's to change. */
	wr(VIRTIO_MMIO_QUEUE_NUM, 8);
	ck_assert_uint_eq(t.q[1].num, 16);
	/* Reset: everything back, the device told. */
	wr(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_int_eq(resets, 2); /* bring_up began with one */
}
END_TEST

START_TEST(features_refused)
{
	bring_up(1ull << VIRTIO_RING_F_EVENT_IDX); /* no VERSION_1: a legacy driver */
	ck_assert(!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK));
	bring_up(1ull << VIRTIO_F_VERSION_1 | 1ull << 40); /* one never offered */
	ck_assert(!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK));
	bring_up(1ull << VIRTIO_F_VERSION_1);
	ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	driver_features(1ull << VIRTIO_F_VERSION_1 | 1ull << 9); /* after FEATURES_OK: ignored */
	ck_assert(!virtio_mmio_has(&t, 9));
}
END_TEST

START_TEST(bad_ring_needs_reset)
{
	bring_up(1ull << VIRTIO_F_VERSION_1);
	setup_queue(0, 12, 0x10000); /* not a power of 2 */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	ck_assert_int_eq(irqs, 1);
	/* The driver cannot clear it but by a reset. */
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	wr(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 0);
	/* A ring outside RAM, and one larger than QueueNumMax. */
	bring_up(1ull << VIRTIO_F_VERSION_1);
	setup_queue(0, 16, RAM - 0x1000);
	ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	bring_up(1ull << VIRTIO_F_VERSION_1);
	setup_queue(0, 128, 0x10000);
	ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* A queue notified after NEEDS_RESET is not served. */
	bring_up(1ull << VIRTIO_F_VERSION_1);
	setup_queue(0, 16, 0x10000);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	virtio_mmio_needs_reset(&t);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	ck_assert_int_eq(notified[0], 0);
}
END_TEST

/* exosim's quiet interrupts (include/hw/exo_blk.h): used buffers latch nothing in
 * InterruptStatus; a config change latches CONFIG and flags every live queue's
 * used->flags until the driver acknowledges it.  Not offered unless the type has it,
 * and without the bit negotiated the transport is virtio's. */
START_TEST(quiet_interrupts)
{
	uint64_t quiet = 1ull << VIRTIO_BLK_F_EXO_QUIET_IRQ,
	         f = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_RING_F_EVENT_IDX;
	ck_assert(!(device_features() & quiet));
	bring_up(f | quiet); /* the plain type: refused */
	ck_assert(!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK));

	struct virtio_type qt = type;
	qt.features |= quiet;
	qt.quiet_irq = quiet;
	virtio_mmio_init(&t, &mem, "virtio-test", &qt, NULL, on_irq);
	ck_assert(device_features() & quiet);
	bring_up(f | quiet);
	ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	setup_queue(0, 16, 0x10000);
	setup_queue(1, 16, 0x20000);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	volatile struct vring_used *u0 = gpa_ptr(&mem, 0x12000, 4), *u1 = gpa_ptr(&mem, 0x22000, 4);
	int before = irqs;
	virtq_push(&t.q[0].vq, 0, 0);
	virtio_mmio_used(&t, 0);
	ck_assert_int_eq(irqs, before + 1);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	ck_assert_uint_eq(u0->flags, 0);
	/* The guest may write used->flags itself: it only misleads its own driver. */
	u0->flags = 0x0001;
	wr(VIRTIO_MMIO_INTERRUPT_ACK, ~0u); /* nothing latched: harmless */
	ck_assert_uint_eq(u0->flags, 0x0001);
	virtio_mmio_needs_reset(&t);
	ck_assert_int_eq(irqs, before + 2);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	ck_assert_uint_eq(u0->flags, 0x0001 | EXO_VRING_USED_F_CONFIG);
	ck_assert_uint_eq(u1->flags, EXO_VRING_USED_F_CONFIG);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING); /* not CONFIG: still flagged */
	ck_assert_uint_eq(u1->flags, EXO_VRING_USED_F_CONFIG);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	ck_assert_uint_eq(u0->flags, 0x0001);
	ck_assert_uint_eq(u1->flags, 0);

	/* The same type without the bit negotiated: virtio's latch, no flag. */
	bring_up(f);
	setup_queue(0, 16, 0x10000);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	u0->flags = 0;
	virtq_push(&t.q[0].vq, 0, 0);
	virtio_mmio_used(&t, 0);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	virtio_mmio_needs_reset(&t);
	ck_assert_uint_eq(u0->flags, 0);
	/* A bad ring before the queue is live: NEEDS_RESET with no used ring to flag. */
	virtio_mmio_init(&t, &mem, "virtio-test", &qt, NULL, on_irq);
	bring_up(f | quiet);
	setup_queue(0, 12, 0x10000);
	ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
}
END_TEST

START_TEST(bad_accesses)
{
	uint8_t b[8];
	virtio_mmio_access(&t, VIRTIO_MMIO_MAGIC_VALUE, false, 1, b); /* registers are 32-bit */
	ck_assert_uint_eq(b[0], 0xff);
	virtio_mmio_access(&t, VIRTIO_MMIO_STATUS + 2, false, 4, b);
	ck_assert_uint_eq(b[0], 0xff);
	memset(b, 0xaa, sizeof(b));
	virtio_mmio_access(&t, VIRTIO_MMIO_CONFIG + 6, false, 4, b); /* past the config */
	ck_assert_uint_eq(b[0], 0);
	virtio_mmio_access(&t, VIRTIO_MMIO_CONFIG, true, 4, b); /* read-only */
	ck_assert_uint_eq(config[0], 1);
	wr(VIRTIO_MMIO_QUEUE_SEL, 5); /* no such queue */
	ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 16);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 7);
	ck_assert_int_eq(notified[0] + notified[1], 0);
	ck_assert_uint_eq(rd(0x0c8), 0); /* nothing there */
}
END_TEST

Suite *virtio_mmio_suite(void)
{
	Suite *s = suite_create("virtio_mmio");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, identity);
	tcase_add_test(tc, bring_up_notify_interrupt);
	tcase_add_test(tc, features_refused);
	tcase_add_test(tc, bad_ring_needs_reset);
	tcase_add_test(tc, bad_accesses);
	tcase_add_test(tc, quiet_interrupts);
	suite_add_tcase(s, tc);
	return s;
}
