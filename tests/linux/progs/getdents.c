/* getdents: list directories of the initramfs (exosim --add data) with readdir, which
 * uses getdents64, sorted by name (the order is the file system's), with the types. */
#include <dirent.h>
#include <stdlib.h>
#include "check.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *path)
{
	DIR *d = opendir(path);
	CHECK(d != NULL, "opendir %s", path);
	if (!d)
		return;
	char *names[256];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 256) {
		char *s = malloc(strlen(e->d_name) + 8);
		const char *t = e->d_type == DT_REG ? "reg" : e->d_type == DT_DIR ? "dir" :
				e->d_type == DT_UNKNOWN ? "unknown" : "other";
		sprintf(s, "%s %s", e->d_name, t);
		names[n++] = s;
	}
	closedir(d);
	qsort(names, n, sizeof names[0], cmp);
	printf("%s: %d entries\n", path, n);
	for (int i = 0; i < n; i++) {
		printf("  %s\n", names[i]);
		free(names[i]);
	}
}

int main(void)
{
	list("data");
	list("data/sub");
	list("data/./sub/..");
	errno = 0;
	CHECK(opendir("data/missing") == NULL && errno == ENOENT, "opendir of a missing dir is ENOENT (%s)",
	      errno_name(errno));
	errno = 0;
	CHECK(opendir("data/hello.txt") == NULL && errno == ENOTDIR, "opendir of a file is ENOTDIR (%s)",
	      errno_name(errno));
	return check_exit();
}
