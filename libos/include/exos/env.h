/* Environments built in user space, as ExOS's fork does (see docs/libos.md).
 *
 * exos_env_spawn creates an environment with EXO_SYS_ENV_CREATE and fills its
 * address space with EXO_SYS_MAP calls that name the CHILD's env capability and
 * OUR page capabilities:
 *   - read-only pages of the program image ([__executable_start, _end)) are
 *     shared: the same physical page, mapped read-only;
 *   - writable pages of the image (.data, .bss) are copied eagerly into fresh
 *     pages (through a window in our space, EXOS_SPAWN_WIN), batched;
 *   - a fresh, zeroed stack of EXOS_CHILD_STACK_PAGES pages below
 *     EXO_USTACK_TOP.
 * It then sets rip = exos_env_entry (xentry.S), rsp = EXO_USTACK_TOP, rdi = fn,
 * rsi = arg and starts it.  The child calls exit(fn(arg)).  It begins with an
 * empty libOS state: no exception upcall, no demand-zero regions, no page
 * capabilities of its own, environ = NULL.  stdout/stderr are flushed before
 * the copy, so buffered output is not printed twice.
 *
 * The pages we acquired for a child (copies, stack) stay ours until
 * exos_env_wait / exos_env_reap releases them. */
#ifndef EXOS_ENV_H
#define EXOS_ENV_H

#include <stddef.h>
#include <stdint.h>

#include <exos/sys.h>

#define EXOS_CHILD_STACK_PAGES 16

/* Returns the new environment's id (> 0) or -EXO_E*.  The child may run at
 * once (the timer preempts the parent). */
long exos_env_spawn(int (*fn)(void *), void *arg, const char *name);

/* The same, but the child does not run until exos_env_start(id): set up what it
 * needs first (map shared pages into it, grant it capabilities). */
long exos_env_spawn_stopped(int (*fn)(void *), void *arg, const char *name);
long exos_env_start(uint32_t id);
/* The same with ENV_START flags: EXO_START_NO_SLICE to give it slices
 * yourself (exos_slices_for). */
long exos_env_start_flags(uint32_t id, unsigned flags);

/* Maps our pages [va, va + npages pages) into our child `id` at the same
 * addresses with perm (shared memory). */
long exos_env_share(uint32_t id, uint64_t va, size_t npages, uint64_t perm);

/* exos_env_spawn_stopped, then exos_env_share of [va, va + npages pages),
 * writable: shared memory to talk to the child through.  Returns its id, or
 * -EXO_E* (the child is gone again). */
long exos_env_spawn_shared(int (*fn)(void *), void *arg, const char *name, uint64_t va,
                           size_t npages);

/* Our capability slot for a child we spawned, or -EXO_ENOENT. */
long exos_env_cap(uint32_t id);

/* Polls the exported table, yielding, until the environment has EXITED; then
 * reaps it (exos_env_reap) if it is our child.  Returns its exit status, or
 * -EXO_ENOENT if there is no such environment. */
long exos_env_wait(uint32_t id);

/* Releases the pages we acquired for our child `id` and our capability for it.
 * Call after it has exited or been destroyed. */
void exos_env_reap(uint32_t id);

/* Destroys our child `id` (EXO_SYS_ENV_DESTROY) and reaps it. */
long exos_env_kill(uint32_t id);

/* Where a spawned environment starts (xentry.S) and its C side. */
void exos_env_entry(void);
_Noreturn void exos_env_main(int (*fn)(void *), void *arg);

#endif
