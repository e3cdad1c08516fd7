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
 * compare-and-swap: bytes copied before a failed swap may already be gone. */
#ifndef EXO_CONSOLE_H
#define EXO_CONSOLE_H

#include <stdint.h>

struct exo_console_ring {
	uint64_t head; /* bytes ever put in the ring (exosim's) */
	uint64_t tail; /* bytes ever taken out (the readers') */
};

#endif
