/* Console input: exosim's stdin reaches the guest through a ring of pages in
 * guest RAM that exosim fills in batches, one VM exit per batch.  The kernel
 * exports it to every environment (memlayout.h): the header at EXO_CONSOLE_IN,
 * writable, so that readers take bytes without entering the kernel, and
 * exo_kinfo.console_in_size bytes of data at EXO_CONSOLE_IN_DATA, read-only.
 * The console's input is one stream for the whole machine, as it was when any
 * environment could read it with a call: a reader that moves tail only skips
 * or re-reads input, and exosim refuses indices that break the rule below.
 *
 * Byte i of the stream (counting from 0) is at data[i % size]; the ring holds
 * bytes [tail, head), never more than size.  Only exosim writes head and the
 * data, and only during the fill a reader asks for (EXO_SYS_CONSOLE_FILL),
 * while the guest waits, so a reader sees no change between two loads except
 * another reader's.  Readers take bytes by moving tail forward with a
 * compare-and-swap: bytes copied before a failed swap may already be gone.
 *
 * With EXO_KINFO_CONSOLE_ASYNC (exosim's asynchronous mode) exosim writes head,
 * the data and its words below at any time, from its I/O thread; readers that
 * find the ring empty set `waiting` and sleep on a wakeup predicate over
 * `posted` instead of waiting in a fill, and exosim raises an interrupt after a
 * batch only if `waiting` was set (it clears it): none while readers keep up
 * with the input.  EXO_SYS_CONSOLE_FILL
 * only kicks exosim when it stopped for lack of room or after an end.  An end
 * (or error) is pending when ends != ends_taken; it sits at head, after every
 * byte posted before it, and is taken once, by a reader that finds the ring
 * empty and moves ends_taken by compare-and-swap. */
#ifndef EXO_CONSOLE_H
#define EXO_CONSOLE_H

#include <stdint.h>

struct exo_console_ring {
	uint64_t head; /* bytes ever put in the ring (exosim's) */
	uint64_t tail; /* bytes ever taken out (the readers') */
	/* Asynchronous delivery only (EXO_KINFO_CONSOLE_ASYNC; the protocol is
	 * include/hw/exosim_pv.h's version 2): */
	uint64_t posted;     /* exosim's: bumped after each batch or end; readers sleep on it */
	uint64_t ends;       /* exosim's: ends of input (or errors) posted so far */
	uint64_t ends_taken; /* the readers': ends taken, by compare-and-swap */
	int64_t end_result;  /* exosim's: the last end's, 0 or a negated errno */
	uint64_t paused;     /* exosim's: nonzero while it reads no more until kicked */
	uint64_t waiting;    /* the readers': nonzero once one sleeps; exosim clears it */
};

#endif
