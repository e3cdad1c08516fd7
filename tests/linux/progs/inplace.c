/* inplace.c: what a program sees of its own pages, which ExOS maps in place
 * from the initramfs where it can (libos/linux/load.c):
 *  - .data is the program's own: a write shows, and its file (read back
 *    through AT_EXECFN) keeps the original bytes;
 *  - the bytes after the writable segment's p_filesz, to the end of that
 *    page, read as zero (in the file they are not: its next bytes);
 *  - a write to its text or read-only data is SIGSEGV with SEGV_ACCERR;
 *  - the text still runs, and calls still work after their sites were
 *    rewritten into the text (ExOS copies a text page before writing it).
 * Every line is the same natively and under exosim. */
#include <elf.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "check.h"

static char data[64] = "the initial contents of .data";
/* .data over several whole pages, each written below: ExOS copies a .data this
 * small at load (libos/linux/load.c), so no write faults (inplace.sh counts). */
static char pages[3 * 4096] = {1, [4096] = 2, [8192] = 3};
static const char rodata[64] = "read-only";
/* Never written: zero.  Our object's .bss comes before libc's (link order), so
 * from .data's end to this array's end nothing is written before the check. */
static volatile char bss[8192];

static sigjmp_buf back;
static volatile int code;
static volatile void *addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	code = si->si_code;
	addr = si->si_addr;
	siglongjmp(back, 1);
}

/* Writes a byte at p; the fault's si_code (0: no fault). */
static int try_write(volatile char *p)
{
	code = 0;
	if (!sigsetjmp(back, 1))
		*p = *p;
	return code;
}

extern const char __ehdr_start[]; /* the ELF header, mapped with the first PT_LOAD */

/* The writable PT_LOAD; *bias: where the program was loaded (static PIE). */
static const Elf64_Phdr *writable_load(uint64_t *bias)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR), *w = NULL;
	size_t n = getauxval(AT_PHNUM);
	*bias = 0;
	for (size_t i = 0; i < n; i++) {
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
			*bias = (uint64_t)__ehdr_start - ph[i].p_vaddr;
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_W))
			w = &ph[i];
	}
	return w;
}

int main(void)
{
	uint64_t bias;
	const Elf64_Phdr *w = writable_load(&bias);
	CHECK(w != NULL, "the program has a writable PT_LOAD");
	if (!w)
		return 1;
	int fd = open((const char *)getauxval(AT_EXECFN), O_RDONLY);
	CHECK(fd >= 0, "opens its own file");

	/* .data: written, the file unchanged */
	strcpy(data, "written by the program");
	CHECK(!strcmp(data, "written by the program"), ".data takes a write");
	for (int i = 0; i < 3; i++)
		pages[i * 4096] += 10;
	CHECK(pages[0] == 11 && pages[4096] == 12 && pages[8192] == 13,
	      ".data's whole pages take writes");
	char file[64] = "";
	uint64_t off = w->p_offset + ((uint64_t)data - bias - w->p_vaddr);
	CHECK(pread(fd, file, sizeof(file), (off_t)off) == sizeof(file), "reads .data in the file");
	CHECK(!strcmp(file, "the initial contents of .data"), "the file keeps its .data");

	/* after p_filesz: zero in memory, to the page's end (up to the end of
	 * our .bss: libc's, after it, is written at start-up) */
	uint64_t end = bias + w->p_vaddr + w->p_filesz, page_end = (end + 4095) & ~4095ul;
	uint64_t upto =
	        (uint64_t)bss + sizeof(bss) < page_end ? (uint64_t)bss + sizeof(bss) : page_end;
	size_t tail = page_end - end, nonzero = 0, file_nonzero = 0;
	CHECK(upto == page_end && (uint64_t)bss >= end, "our .bss covers the rest of the page");
	for (const volatile char *p = (const char *)end; p < (const char *)upto; p++)
		nonzero += *p != 0;
	char *in_file = calloc(1, tail + 1);
	ssize_t got = pread(fd, in_file, tail, (off_t)(w->p_offset + w->p_filesz));
	for (ssize_t i = 0; i < got; i++)
		file_nonzero += in_file[i] != 0;
	free(in_file);
	CHECK(file_nonzero > 0, "the file has bytes after .data's p_filesz");
	CHECK(nonzero == 0, "after p_filesz, memory reads zero to the page's end");
	size_t bss_nonzero = 0;
	for (size_t i = 0; i < sizeof(bss); i++)
		bss_nonzero += bss[i] != 0;
	CHECK(bss_nonzero == 0, ".bss reads zero");

	/* text and read-only data are read-only */
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};
	sigaction(SIGSEGV, &sa, NULL);
	CHECK(try_write((volatile char *)(uintptr_t)main) == SEGV_ACCERR && addr == (void *)main,
	      "a write to the text is SIGSEGV (SEGV_ACCERR at the address)");
	CHECK(try_write((volatile char *)(uintptr_t)rodata) == SEGV_ACCERR,
	      "a write to read-only data is SIGSEGV (SEGV_ACCERR)");
	CHECK(!strcmp(rodata, "read-only"), "read-only data unchanged");
	CHECK(try_write(data) == 0, "a write to .data is no fault");

	/* the text runs on, its call sites rewritten (getppid's, many times) */
	for (int i = 0; i < 100; i++)
		if (getppid() < 0)
			return 1;
	CHECK(pread(fd, file, 16, 0) == 16 && !memcmp(file, ELFMAG, SELFMAG),
	      "the file still starts with the ELF magic");
	close(fd);
	return check_failures != 0;
}
