/* bad_xstack MODE: an exception upcall that cannot be delivered kills the
 * environment cleanly, with status 139 and the kernel's diagnostic:
 *   unmapped  - the registered exception stack is not mapped
 *   readonly  - it is mapped read-only
 *   overflow  - the #PF handler faults on every nesting level until the next
 *               frame would fall below xstack_lo
 *   overflow_big - the same with a handler whose own frame (1 KiB of locals)
 *               runs past xstack_lo into the guard page below it before the
 *               next frame is due: the kernel must not start again at the top */
#define TEST_NAME "bad_xstack"
#include <string.h>

#include <exos/vm.h>

#include "check.h"

#define XLO 0x500000000ul

static int recurse(struct exo_xframe *f, struct exos_regs *r)
{
	(void)f;
	(void)r;
	return *(volatile int *)0 == 0; /* faults again, one frame deeper */
}

static int recurse_big(struct exo_xframe *f, struct exos_regs *r)
{
	volatile char locals[1024];
	for (size_t i = 0; i < sizeof(locals); i += 64)
		locals[sizeof(locals) - 1 - i] = (char)i; /* top down, as a stack grows */
	return recurse(f, r) + locals[0];
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "unmapped";

	if (strcmp(mode, "unmapped") == 0) {
		RET(exo_set_handler(EXO_CAP_SELF, (void *)exos_xentry, XLO,
		                    XLO + 4 * EXO_PAGE_SIZE),
		    0, "register a handler with an unmapped exception stack");
	} else if (strcmp(mode, "readonly") == 0) {
		RET(exos_map_range(XLO, 4, EXO_PTE_NX), 0, "map the exception stack read-only");
		RET(exo_set_handler(EXO_CAP_SELF, (void *)exos_xentry, XLO,
		                    XLO + 4 * EXO_PAGE_SIZE),
		    0, "register it");
	} else {
		RET(exos_exceptions_init(), 0, "register the libOS exception stack");
		exos_set_exception_handler(14, strcmp(mode, "overflow_big") == 0 ? recurse_big
		                                                                 : recurse);
	}
	printf("bad_xstack: %s: reading address 0\n", mode);
	fflush(stdout);
	(void)*(volatile int *)0;
	printf("bad_xstack: FAIL: survived\n");
	return 1;
}
