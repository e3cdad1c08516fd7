/* bad_pointers: every call that reads or writes user memory (kernel/uaccess.c is
 * the only code that does) refuses a bad pointer with -EFAULT and nothing else
 * happens: NULL, a kernel address, an exported page (user-readable, but not the
 * environment's: only a predicate may read it), an unmapped address, a buffer straddling
 * EXO_USER_TOP or the end of a mapped page, and a read-only page where the call writes. */
#define TEST_NAME "bad_pointers"
#include <string.h>

#include <exo/pred.h>
#include <exos/vm.h>

#include "check.h"

/* A page mapped here, with nothing mapped after it: "page end" straddles. */
#define EDGE_PAGE 0x600000000000ul

struct bad {
	const char *what;
	uint64_t addr;
	int straddles; /* its first bytes are good */
	int readable;  /* ring 3 reads it: a predicate may watch it */
};

static const struct bad bad[] = {
        {"NULL", 0, 0, 0},
        {"a kernel address", EXO_KERNBASE + 0x100000, 0, 0},
        {"the exported info page", EXO_KINFO, 0, 1},
        {"the exported page tables", EXO_UVPT, 0, 0},
        {"an unmapped address", 0x500000000000ul, 0, 0},
        {"across the user top", EXO_USER_TOP - 8, 1, 0},
        {"across the end of a mapped page", EDGE_PAGE + EXO_PAGE_SIZE - 8, 1, 0},
};

/* Calls that read user memory. */
static void reads(const struct bad *b, int child)
{
	void *p = (void *)b->addr;
	ERR(exo_console_write(EXO_STDOUT, p, 16), EXO_EFAULT, "console_write");
	ERR(exo_map(EXO_CAP_SELF, p, 1), EXO_EFAULT, "map: the ops");
	ERR(exo_env_set_regs(child, p), EXO_EFAULT, "env_set_regs: the registers");
	ERR(exo_wait(p, 1), EXO_EFAULT, "wait: the terms");
}

/* Calls that write user memory: a read-only page is bad too. */
static void writes(const struct bad *b)
{
	void *p = (void *)b->addr;
	ERR(exo_cap_info(EXO_CAP_SELF, p), EXO_EFAULT, "cap_info: the result");
	ERR(exo_page_alloc(p, 2), EXO_EFAULT, "page_alloc: the grants");
}

/* A predicate reads its memory operands every time it is evaluated; a bad one
 * is refused when the wait is installed.  An exported page is not bad here: a
 * predicate may watch what ring 3 can read (the console input ring's header),
 * and this one holds at once. */
static void wait_operand(const struct bad *b)
{
	struct exo_pred_term t = {.op = EXO_PRED_EQ,
	                          .lhs_kind = EXO_OPND_MEM,
	                          .rhs_kind = EXO_OPND_CONST,
	                          .lhs = b->addr,
	                          .rhs = 1};
	if (b->straddles)
		return; /* an operand is an aligned word: it cannot straddle */
	if (b->readable) {
		t.rhs = *(const volatile uint64_t *)b->addr;
		RET(exo_wait(&t, 1), 0, "wait: a memory operand it holds for, at once");
		return;
	}
	ERR(exo_wait(&t, 1), EXO_EFAULT, "wait: a memory operand");
}

/* ENV_CREATE reads a NUL-terminated label, page by page, never past its NUL. */
static void names(void)
{
	char *edge = (char *)EDGE_PAGE + EXO_PAGE_SIZE - 8;
	for (size_t i = 1; i < sizeof(bad) / sizeof(bad[0]); i++) /* NULL is allowed */
		if (!bad[i].straddles) /* what the next bytes hold decides: see below */
			ERR(exo_env_create((const char *)bad[i].addr), EXO_EFAULT, bad[i].what);
	memcpy(edge, "12345678", 8);
	ERR(exo_env_create(edge), EXO_EFAULT, "a name running into an unmapped page");
	memcpy(edge, "edge\0", 5);
	long c = exo_env_create(edge);
	CHECK(c > 0, "a name that ends before an unmapped page -> an environment");
	struct exo_cap_info info = {0};
	exo_cap_info((int)c, &info);
	CHECK(!strcmp((const char *)exos_env_info((uint32_t)info.object)->name, "edge"),
	      "its name is \"edge\"");
	RET(exo_env_destroy((int)c), 0, "destroying it");
	c = exo_env_create(0);
	CHECK(c > 0, "a NULL name -> an environment named by the kernel");
	RET(exo_env_destroy((int)c), 0, "destroying it");
}

int main(void)
{
	CHECK(exos_page_map(EDGE_PAGE, EXO_PTE_W) >= 0, "mapping the edge page");
	long child = exo_env_create("child");
	CHECK(child > 0, "a child to set registers of");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		printf("%s: -- %s (0x%lx)\n", TEST_NAME, bad[i].what, bad[i].addr);
		reads(&bad[i], (int)child);
		writes(&bad[i]);
		wait_operand(&bad[i]);
	}
	printf("%s: -- a read-only page (our text)\n", TEST_NAME);
	writes(&(struct bad){"text", (uint64_t)main, 0, 0});
	printf("%s: -- registers must hold user addresses (below EXO_USER_TOP)\n", TEST_NAME);
	struct exo_regs regs = {.rip = EXO_KINFO, .rsp = EXO_USTACK_TOP};
	ERR(exo_env_set_regs((int)child, &regs), EXO_EINVAL,
	    "env_set_regs: rip in an exported page");
	regs = (struct exo_regs){.rip = (uint64_t)main, .rsp = EXO_UVPT + EXO_PAGE_SIZE};
	ERR(exo_env_set_regs((int)child, &regs), EXO_EINVAL,
	    "env_set_regs: rsp in an exported page");
	regs.rsp = EXO_USER_TOP;
	RET(exo_env_set_regs((int)child, &regs), 0, "env_set_regs: rsp at the user top itself");
	ERR(exo_set_fsbase((int)child, EXO_KINFO), EXO_EINVAL, "set_fsbase: an exported page");
	printf("%s: -- env_create's name\n", TEST_NAME);
	names();
	RET(exo_env_destroy((int)child), 0, "destroying the child");
	return check_done();
}
