/* Building the initramfs.  The program is validated here with the same ELF
 * checker the kernel uses (kernel/lib/elf64.c), so a bad program is reported
 * on the host in one line before any VM exists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/memlayout.h>

#include "cpio_build.h"
#include "elf64.h"
#include "fail.h"
#include "initramfs.h"

#define PROGRAM_MAX_SIZE (1ull << 30)

/* Reads a whole file; exits with EXOSIM_EXIT_NOFILE if it cannot. */
static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail(EXOSIM_EXIT_NOFILE, "%s: %s", path, strerror(errno));
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			if (cap > PROGRAM_MAX_SIZE)
				fail(EXOSIM_EXIT_NOMEM, "%s: larger than 1 GiB", path);
			buf = realloc(buf, cap);
			if (!buf)
				fail(EXOSIM_EXIT_INTERNAL, "out of memory reading %s", path);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	int err = ferror(f);
	fclose(f);
	if (err)
		fail(EXOSIM_EXIT_NOFILE, "%s: read error", path);
	*size = len;
	return buf;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* NUL-separated strings, the format of exosim/argv and exosim/envp. */
static char *join(int n, char *const s[], size_t *len)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += strlen(s[i]) + 1;
	char *out = malloc(total ? total : 1), *p = out;
	if (!out)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	for (int i = 0; i < n; i++)
		p = stpcpy(p, s[i]) + 1;
	*len = total;
	return out;
}

void initramfs_build(struct initramfs *out, int argc, char *const argv[])
{
	const char *prog = argv[0];
	size_t size;
	uint8_t *image = read_file(prog, &size);
	struct elf64_image img;
	int err = elf64_parse(image, size, EXO_PIE_BASE, EXO_USTACK_BOTTOM, &img);
	if (err)
		fail(EXOSIM_EXIT_BADELF, "%s: %s", prog, elf64_strerror(err));

	char guest_path[4096];
	if (snprintf(guest_path, sizeof(guest_path), "bin/%s", base_name(prog)) >=
	    (int)sizeof(guest_path))
		fail(EXOSIM_EXIT_USAGE, "%s: name too long", prog);
	size_t args_len;
	char *args = join(argc, argv, &args_len);

	struct cpio_builder b;
	cpio_builder_init(&b);
	int bad = cpio_add_dir(&b, "bin", 0755) | cpio_add_dir(&b, "exosim", 0755) |
	          cpio_add_file(&b, guest_path, image, size, 0755) |
	          cpio_add_file(&b, "exosim/init", guest_path, strlen(guest_path), 0644) |
	          cpio_add_file(&b, "exosim/argv", args, args_len, 0644) |
	          cpio_add_file(&b, "exosim/envp", "", 0, 0644) | cpio_finish(&b);
	if (bad)
		fail(EXOSIM_EXIT_INTERNAL, "cannot build the initramfs (out of memory?)");
	free(args);
	free(image);
	out->data = b.buf;
	out->size = b.len;
}

void initramfs_read(struct initramfs *out, const char *path)
{
	out->data = read_file(path, &out->size);
}

void initramfs_free(struct initramfs *r)
{
	free(r->data);
	r->data = NULL;
}
