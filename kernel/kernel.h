/* Kernel-wide declarations. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROUNDDOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ROUNDUP(x, a)   ROUNDDOWN((x) + (a)-1, (a))
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))

/* Bit k of the result is bit (k + n) % 64 of x: a search of a 64-bit set
 * that starts at position n and wraps. */
static inline uint64_t rotr64(uint64_t x, unsigned n)
{
	n %= 64;
	return n ? x >> n | x << (64 - n) : x;
}

/* Boot options, from the command line. */
struct boot_options {
	bool verbose;
	bool stats; /* exo.stats: print the kernel's counters at exit */
	uint64_t tsc_khz;
	uint64_t tick_us;   /* timer tick (exo.tick_us=) */
	bool noxsave;       /* noxsave: FXSAVE only, no AVX (fpu.c) */
	bool nofsgsbase;    /* nofsgsbase: ring 3 may not write its FS/GS base (cpu.c) */
	bool fpu_timing;    /* exo.fpu_timing: time each FPU switch (fpu.c) */
	bool scrub_bench;   /* exo.scrub_bench: time zeroing by hand and by the host (scrub.c) */
	uint64_t tsc_start; /* exo.tsc_start: the TSC when the VMM started the vCPU (boottime.c) */
};
extern struct boot_options boot_options;

/* console.c: stream 1 is the program's stdout, 2 is stderr (and kernel messages). */
void console_init(void);
void console_write(int stream, const char *buf, size_t len);
long console_write_user(uint64_t pml4, int stream, uint64_t buf, uint64_t len);
/* The console input ring (include/exo/console.h): exported once memory is up;
 * a fill is EXO_SYS_CONSOLE_FILL. */
void console_export(void);
long console_fill(void);
uint64_t console_irq(uint64_t cs); /* entry.S: console input arrived (console.c) */
bool console_is_paravirtual(void);

/* printf.c: kernel messages go to stderr. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define kverbose(...)                                                                              \
	do {                                                                                       \
		if (boot_options.verbose)                                                          \
			kprintf(__VA_ARGS__);                                                      \
	} while (0)
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* machine.c: leave the VM with a status (isa-debug-exit). */
_Noreturn void machine_exit(int status);

#endif
