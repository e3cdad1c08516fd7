/* The first environment's arguments and environment.
 *
 * The kernel gives the first program a bare stack (docs/boot.md): exosim
 * packs argv and envp into the initramfs as exosim/argv and exosim/envp,
 * NUL-separated, and the program builds its own.  crt0.S asks for the size of
 * the block, moves the stack pointer below it, and has it filled in Linux's
 * layout (argc, argv[], NULL, envp[], NULL, then the strings), so main gets
 * argc, argv and envp as anywhere else and may write to the strings. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <exo/status.h>
#include <exos/args.h>
#include <exos/sys.h>
#include <exos/vm.h>
#include <hw/initramfs.h>

#include "cpio.h"

/* Room the program keeps for its own frames below its arguments; beyond the
 * kernel's EXO_USTACK_PAGES the runtime maps more stack itself. */
#define STACK_FOR_PROGRAM (48ul << 10)

/* A program that reads exosim/argv and exosim/envp itself defines this as
 * false: main then gets argc 0 and nothing is copied.  ExOS does, because it
 * builds a Linux program's stack straight from the initramfs: copying up to
 * Linux's 2 MiB of arguments twice would cost that many more pages. */
extern const bool exos_start_args __attribute__((weak));

struct exos_strlist exos_boot_strings(const char *path)
{
	struct exos_strlist l = {0, 0, 0};
	const struct exo_kinfo *k = exo_kinfo();
	struct cpio_entry e;
	if (!k->initrd_size ||
	    cpio_find((const void *)EXO_INITRD, k->initrd_size, path, &e) != CPIO_OK)
		return l;
	l.data = (const char *)e.data;
	l.len = e.size;
	for (size_t i = 0; i < l.len; i++)
		l.count += l.data[i] == 0;
	if (l.len && l.data[l.len - 1])
		l.count++;
	return l;
}

size_t exos_strlist_bytes(const struct exos_strlist *l)
{
	return l->len + (l->len && l->data[l->len - 1] ? 1 : 0);
}

size_t exos_strlist_longest(const struct exos_strlist *l)
{
	size_t longest = 0;
	for (size_t i = 0; i < l->len;) {
		size_t n = strnlen(l->data + i, l->len - i);
		longest = n > longest ? n : longest;
		i += n + 1;
	}
	return longest;
}

void exos_strlist_copy(const struct exos_strlist *l, char *dst, uint64_t *vec)
{
	const char *s = l->data, *end = l->data + l->len;
	for (size_t i = 0; i < l->count; i++) {
		size_t n = strnlen(s, (size_t)(end - s));
		vec[i] = (uint64_t)dst;
		memcpy(dst, s, n);
		dst[n] = 0;
		dst += n + 1;
		s += n + 1;
	}
}

static struct exos_strlist args, env;

static _Noreturn void no_stack(size_t bytes)
{
	fprintf(stderr, "exos: no memory for a %zu-byte argument list\n", bytes);
	exo_exit(EXOSIM_EXIT_NOMEM | EXO_EXIT_VERBATIM);
}

/* Maps stack pages below the kernel's, enough for `block` bytes of arguments
 * and STACK_FOR_PROGRAM below them.  The pages must be free: the program's
 * image may end anywhere below EXO_USTACK_BOTTOM. */
static void grow_stack(uint64_t sp, size_t block)
{
	if (block > sp - STACK_FOR_PROGRAM - EXO_PIE_BASE)
		no_stack(block);
	uint64_t want = sp - block - STACK_FOR_PROGRAM;
	if (want >= EXO_USTACK_BOTTOM)
		return;
	uint64_t lo = want & ~(EXO_PAGE_SIZE - 1);
	size_t npages = (EXO_USTACK_BOTTOM - lo) / EXO_PAGE_SIZE;
	for (uint64_t va = lo; va < EXO_USTACK_BOTTOM; va += EXO_PAGE_SIZE)
		if (exos_pte(va) & EXO_PTE_P)
			no_stack(block);
	if (exos_map_range(lo, npages, EXO_PTE_W | EXO_PTE_NX) < 0)
		no_stack(block);
}

/* Called by _start with its stack pointer: the bytes the block takes (a
 * multiple of 16), with the stack already grown to hold them. */
size_t __exo_args_size(uint64_t sp)
{
	exos_boot_marks[EXO_MARK_START] = exo_rdtsc();
	if (!&exos_start_args || exos_start_args) {
		args = exos_boot_strings(INITRAMFS_ARGV);
		env = exos_boot_strings(INITRAMFS_ENVP);
	}
	size_t words = 1 + args.count + 1 + env.count + 1;
	size_t block = words * 8 + exos_strlist_bytes(&args) + exos_strlist_bytes(&env);
	block = (block + 15) & ~(size_t)15;
	grow_stack(sp, block);
	return block;
}

/* Lays the block out at sp (Linux's order: argc, argv[], NULL, envp[], NULL,
 * then the strings). */
void __exo_args_build(uint64_t *sp)
{
	uint64_t *argv = sp + 1, *envp = argv + args.count + 1;
	char *str = (char *)(envp + env.count + 1);
	sp[0] = args.count;
	exos_strlist_copy(&args, str, argv);
	argv[args.count] = 0;
	exos_strlist_copy(&env, str + exos_strlist_bytes(&args), envp);
	envp[env.count] = 0;
	exos_boot_marks[EXO_MARK_MAIN] = exo_rdtsc();
}
