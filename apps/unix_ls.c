/* unix_ls: a native exokernel program using ExOS's UNIX layer as a library
 * (<exos/unix.h>): it lists directories of the initramfs and prints a file,
 * with no trap and no emulation, the same code a Linux program's calls reach.
 *
 *   exosim --add docs build/apps/unix_ls.elf docs README.md */
#include <stdio.h>
#include <string.h>

#include <exos/unix.h>

static int list(const char *path)
{
	long fd = exos_open(path, EXOS_O_RDONLY | EXOS_O_DIRECTORY, 0);
	if (fd < 0) {
		printf("%s: error %ld\n", path, -fd);
		return 1;
	}
	char buf[4096];
	long n;
	while ((n = exos_getdents64((int)fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			const struct exos_dirent64 *d = (const void *)(buf + off);
			if (strcmp(d->name, ".") && strcmp(d->name, ".."))
				printf("%s/%s\n", path, d->name);
			off += d->reclen;
		}
	exos_close((int)fd);
	return n < 0;
}

static int show(const char *path)
{
	long fd = exos_open(path, EXOS_O_RDONLY, 0);
	if (fd < 0) {
		printf("%s: error %ld\n", path, -fd);
		return 1;
	}
	char buf[512];
	long n;
	fflush(stdout);
	while ((n = exos_read((int)fd, buf, sizeof(buf))) > 0)
		exos_write(1, buf, (size_t)n);
	exos_close((int)fd);
	return n < 0;
}

int main(int argc, char **argv)
{
	if (exos_unix_init() < 0)
		return 1;
	int bad = 0;
	for (int i = 1; i < argc; i++)
		bad |= i == 1 ? list(argv[i]) : show(argv[i]);
	return bad;
}
