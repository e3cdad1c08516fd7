/* Console input from the ring the kernel exports (include/exo/console.h).
 * Bytes are taken in ring 3; only an empty ring costs a crossing (and exosim
 * one VM exit) to fill it with as much as stdin has ready.  Several readers,
 * in one environment or several, each take distinct bytes: tail moves by
 * compare-and-swap, and a reader that lost the race copies again. */
#include <stdbool.h>
#include <string.h>

#include <exo/console.h>
#include <exo/errno.h>
#include <exo/memlayout.h>
#include <exos/sys.h>

long exo_console_in(void *dst, size_t n)
{
	uint64_t size = exo_kinfo()->console_in_size;
	struct exo_console_ring *ring = (struct exo_console_ring *)EXO_CONSOLE_IN;
	const uint8_t *data = (const uint8_t *)EXO_CONSOLE_IN_DATA;

	if (!size)
		return -EXO_ENOSYS;
	while (n) {
		uint64_t tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
		uint64_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE) != tail)
			continue; /* another reader took bytes: head and tail do not pair */
		uint64_t held = head - tail;
		if (held > size)
			return -EXO_EIO; /* a reader broke the ring; exosim refuses it too */
		if (!held) {
			long r = exo_console_fill();
			if (r <= 0)
				return r; /* 0 at the end of input, or the error */
			continue;
		}
		size_t k = n < held ? n : (size_t)held;
		size_t at = (size_t)(tail & (size - 1));
		size_t first = k < size - at ? k : (size_t)(size - at);
		memcpy(dst, data + at, first);
		memcpy((uint8_t *)dst + first, data, k - first);
		if (__atomic_compare_exchange_n(&ring->tail, &tail, tail + k, false,
		                                __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return (long)k;
	}
	return 0;
}
