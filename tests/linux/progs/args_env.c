/* args_env: argc, every argv[i] and envp[i] in order, getenv, and the auxiliary vector's
 * deterministic entries (run both sides under the same `env -i ...`). */
#include <stdlib.h>
#include <sys/auxv.h>
#include "check.h"

int main(int argc, char **argv, char **envp)
{
	printf("argc %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = [%s]\n", i, argv[i]);
	CHECK(argv[argc] == NULL, "argv[argc] is NULL");
	int n = 0;
	for (char **e = envp; *e; e++, n++)
		printf("envp[%d] = [%s]\n", n, *e);
	extern char **environ;
	CHECK(environ == envp, "environ is envp");
	const char *a = getenv("A");
	printf("getenv(A) = %s, getenv(NOPE) = %s\n", a ? a : "(null)",
	       getenv("NOPE") ? "set" : "(null)");
	CHECK(setenv("NEWVAR", "x", 1) == 0 && getenv("NEWVAR") && !strcmp(getenv("NEWVAR"), "x"),
	      "setenv/getenv");
	printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
	CHECK(getauxval(AT_RANDOM) != 0, "AT_RANDOM is present");
	CHECK(getauxval(AT_PHDR) != 0 && getauxval(AT_PHNUM) > 0, "AT_PHDR and AT_PHNUM present");
	CHECK(getauxval(AT_ENTRY) != 0, "AT_ENTRY present");
	printf("AT_SECURE %lu\n", getauxval(AT_SECURE));
	return check_exit();
}
