/* Boot phases and start-up marks (boottime.h).  Under QEMU with `-icount
 * shift=0` and exosim.tsc_khz=1000000 the TSC counts instructions, so the same
 * line gives instructions per phase (bench/boot_phases.sh). */
#include <exo/kinfo.h>

#include "arch.h"
#include "boottime.h"
#include "gate.h"
#include "kernel.h"
#include "uaccess.h"

static uint64_t marks[EXO_NMARKS];
static bool have_marks;

void boot_mark(int phase)
{
	kinfo_page.boot_tsc[phase] = rdtsc();
}

void boot_take_marks(uint64_t pml4, uint64_t marks_va)
{
	if (!boot_options.stats || have_marks || !marks_va)
		return;
	have_marks = copy_from_user(pml4, marks, marks_va, sizeof(marks)) == 0;
}

/* Appends " name=T" to the line: T = the TSC ticks from *prev to tsc in µs
 * with one decimal; a mark not reached (0, or before *prev) is left out. */
static int put(char *buf, int size, const char *name, uint64_t *prev, uint64_t tsc)
{
	if (!tsc || tsc < *prev)
		return 0;
	uint64_t tenths = (tsc - *prev) * 10000 / kinfo_page.tsc_khz;
	*prev = tsc;
	return snprintf(buf, (size_t)size, " %s=%lu.%lu", name, tenths / 10, tenths % 10);
}

void boot_print_times(void)
{
	static const char *const phases[EXO_BOOT_NPHASES] = {
	        [EXO_BOOT_CMDLINE] = "cmdline", [EXO_BOOT_CPU] = "cpu",
	        [EXO_BOOT_MEMORY] = "memory",   [EXO_BOOT_TABLES] = "tables",
	        [EXO_BOOT_LAPIC] = "lapic",     [EXO_BOOT_ENV] = "env",
	        [EXO_BOOT_LOAD] = "load",
	};
	static const char *const mark_names[EXO_NMARKS] = {
	        [EXO_MARK_START] = "start",
	        [EXO_MARK_MAIN] = "args",
	        [EXO_MARK_PROGRAM] = "program",
	};
	if (!boot_options.stats || !kinfo_page.tsc_khz)
		return;
	uint64_t exit_tsc = rdtsc(), prev = boot_options.tsc_start;
	char line[512];
	int n = snprintf(line, sizeof(line), "exosim-stats: boot_us");
	/* From exo.tsc_start (exosim: just before the vCPU first runs; else the
	 * TSC's reset, as under QEMU) to kmain: the entry stub and start64. */
	n += put(line + n, (int)sizeof(line) - n, "entry", &prev, kinfo_page.tsc_boot);
	for (int i = 0; i < EXO_BOOT_NPHASES; i++)
		n += put(line + n, (int)sizeof(line) - n, phases[i], &prev, kinfo_page.boot_tsc[i]);
	for (int i = 0; have_marks && i < EXO_NMARKS; i++)
		n += put(line + n, (int)sizeof(line) - n, mark_names[i], &prev, marks[i]);
	n += put(line + n, (int)sizeof(line) - n, "run", &prev, exit_tsc);
	prev = boot_options.tsc_start;
	put(line + n, (int)sizeof(line) - n, "total", &prev, exit_tsc);
	kprintf("%s\n", line);
}
