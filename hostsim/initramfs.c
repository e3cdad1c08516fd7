/* Building the initramfs.  The program is validated here with the same ELF
 * checker the kernel uses (lib/elf64.c), so a bad program is reported
 * on the host in one line before any VM exists. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <exo/memlayout.h>
#include <hw/initramfs.h>

#include "cpio.h"
#include "cpio_build.h"
#include "elf64.h"
#include "escape.h"
#include "fail.h"
#include "host_file.h"
#include "host_signals.h"
#include "host_user.h"
#include "initramfs.h"
#include "options.h"
#include "rootfs.h"

#define PROGRAM_MAX_SIZE (1ull << 30)
#define ADD_DEPTH_MAX    32 /* --add directory levels (a symlink loop ends here) */

/* Reads a whole file; exits with EXOSIM_EXIT_NOFILE if it cannot. */
static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fdopen(host_file_open(path), "rb"); /* regular files only */
	if (!f)
		fail(EXOSIM_EXIT_INTERNAL, "%s: %s", path, strerror(errno));
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

static char *path_join(const char *dir, const char *name)
{
	char *p;
	if (asprintf(&p, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	return p;
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

/* What Linux's execve would refuse is refused here, in one line, rather than
 * cut (include/hw/initramfs.h): the first program gets all of its arguments
 * and environment or does not run.  execfn is its path as AT_EXECFN gives it. */
static void check_args(int argc, char *const argv[], int envc, char *const envp[],
                       const char *execfn)
{
	size_t bytes = strlen(execfn) + 1;
	for (int i = 0; i < argc + envc; i++) {
		const char *s = i < argc ? argv[i] : envp[i - argc];
		size_t n = strlen(s) + 1;
		if (n > INITRAMFS_ARG_STRLEN_MAX)
			fail(EXOSIM_EXIT_USAGE, "%s %d is %zu bytes long: Linux's limit is %lu",
			     i < argc ? "argument" : "environment variable",
			     i < argc ? i : i - argc, n - 1, INITRAMFS_ARG_STRLEN_MAX - 1);
		bytes += n;
	}
	if (!initramfs_args_fit((size_t)argc + (size_t)envc, bytes))
		fail(EXOSIM_EXIT_USAGE,
		     "argument list too long: %d strings of %zu bytes, with a pointer each, "
		     "exceed Linux's %lu",
		     argc + envc, bytes, INITRAMFS_ARGS_MAX);
}

/* A path in the guest: Linux's PATH_MAX, and NAME_MAX for each component. */
static void check_guest_path(const char *what, const char *path)
{
	if (strlen(path) >= INITRAMFS_PATH_MAX)
		fail(EXOSIM_EXIT_USAGE, "%s: path longer than %d bytes", what,
		     INITRAMFS_PATH_MAX - 1);
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if (n > INITRAMFS_NAME_MAX)
			fail(EXOSIM_EXIT_USAGE, "%s: a name in the path is longer than %d bytes",
			     what, INITRAMFS_NAME_MAX);
		p += n + (p[n] == '/');
	}
}

/* The owner and mtime the next entries get: a host file's (st), or root's
 * and 0 for what exosim makes itself (st NULL). */
static void set_owner_time(struct cpio_builder *b, const struct stat *st)
{
	b->mtime =
	        st && st->st_mtime > 0 && st->st_mtime <= UINT32_MAX ? (uint32_t)st->st_mtime : 0;
	b->uid = st ? st->st_uid : 0;
	b->gid = st ? st->st_gid : 0;
}

/* --add: a file, or a directory tree, at guest path `guest`. */
static int add_tree(struct cpio_builder *b, const char *host, const char *guest, int depth)
{
	struct stat st;
	if (stat(host, &st) != 0)
		fail(EXOSIM_EXIT_NOFILE, "--add %s: %s", host, strerror(errno));
	check_guest_path(host, guest);
	set_owner_time(b, &st);
	if (S_ISREG(st.st_mode)) {
		size_t size;
		uint8_t *data = read_file(host, &size);
		int r = cpio_add_file(b, guest, data, size, st.st_mode & 07777);
		free(data);
		set_owner_time(b, NULL);
		return r;
	}
	if (!S_ISDIR(st.st_mode))
		fail(EXOSIM_EXIT_NOFILE, "--add %s: not a regular file or directory", host);
	if (depth > ADD_DEPTH_MAX)
		fail(EXOSIM_EXIT_NOFILE, "--add %s: directories nested more than %d deep", host,
		     ADD_DEPTH_MAX);
	int r = *guest ? cpio_add_dir(b, guest, st.st_mode & 07777) : 0;
	set_owner_time(b, NULL);
	struct dirent **names;
	int n = scandir(host, &names, NULL, alphasort);
	if (n < 0)
		fail(EXOSIM_EXIT_NOFILE, "--add %s: %s", host, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *d = names[i]->d_name;
		if (strcmp(d, ".") != 0 && strcmp(d, "..") != 0) {
			char *h = path_join(host, d), *g = path_join(guest, d);
			r |= add_tree(b, h, g, depth + 1);
			free(h);
			free(g);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

/* HOST[:GUEST]; GUEST defaults to HOST without a leading "/" or "./", so a
 * relative path means the same in the guest (whose cwd is /) as on the host. */
static int add_spec(struct cpio_builder *b, const char *spec)
{
	char *host = strdup(spec);
	if (!host)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	char *colon = strchr(host, ':');
	const char *guest = host;
	if (colon) {
		*colon = 0;
		guest = colon + 1;
	}
	while (*guest == '/' || (guest[0] == '.' && guest[1] == '/'))
		guest += *guest == '/' ? 1 : 2;
	if (!*host)
		fail(EXOSIM_EXIT_USAGE, "--add %s: no host path", spec);
	int r = add_tree(b, host, guest, 0);
	free(host);
	return r;
}

/* ExOS's settings, one key=value per line (libos/linux/main.c reads them). */
static char *exos_config(const struct options *o, const char *guest_path, const struct host_user *u,
                         size_t *len)
{
	struct winsize ws = {0};
	int tty0 = isatty(STDIN_FILENO), tty1 = isatty(STDOUT_FILENO), tty2 = isatty(STDERR_FILENO);
	if (tty1)
		ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
	char *conf;
	int n = asprintf(&conf,
	                 "program=/%s\ntrace=%d\nrewrite=%d\ntty=%d%d%d\nrows=%u\ncols=%u\n"
	                 "sigign=%llx\n%s",
	                 guest_path, o->trace, !o->no_rewrite, tty0, tty1, tty2, ws.ws_row,
	                 ws.ws_col, (unsigned long long)host_signals_inherited_ignored(),
	                 u->config);
	if (n < 0)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	*len = (size_t)n;
	return conf;
}

/* Indexes the archive as ExOS will (libos/linux/rootfs.c): what it would
 * refuse (a malformed header, an entry it cannot place) is refused here, in one
 * line with the name escaped, before any VM exists. */
static void check_tree(const uint8_t *a, size_t len, int status, const char *what, const char *path)
{
	struct rootfs_bad bad = {0};
	long nodes = rootfs_cpio_nodes(a, len, &bad.pos);
	void *mem = nodes > 0 ? malloc(rootfs_mem_size((uint32_t)nodes)) : NULL;
	if (nodes > 0 && !mem)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	if (nodes < 0) {
		bad.cpio = (int)nodes;
	} else {
		struct rootfs fs;
		rootfs_init(&fs, mem, (uint32_t)nodes);
		nodes = rootfs_load_cpio(&fs, a, len, &bad);
		free(mem);
	}
	char line[ROOTFS_BAD_SHOWN];
	if (nodes < 0)
		fail(status, "%s%s%s: %s", what, *path ? " " : "", path,
		     rootfs_bad_str(&bad, line, sizeof(line)));
}

void initramfs_build(struct initramfs *out, const struct options *o)
{
	const char *prog = o->argv[0];
	if (strlen(base_name(prog)) > INITRAMFS_NAME_MAX)
		fail(EXOSIM_EXIT_USAGE, "%s: name longer than %d bytes", prog, INITRAMFS_NAME_MAX);
	size_t size;
	uint8_t *image = read_file(prog, &size);
	struct elf64_image img;
	int err = elf64_parse(image, size, EXO_PIE_BASE, EXO_USTACK_BOTTOM, &img);
	if (err)
		fail(EXOSIM_EXIT_BADELF, "%s: %s", prog, elf64_strerror(err));

	char guest_path[INITRAMFS_PATH_MAX];
	snprintf(guest_path, sizeof(guest_path), "bin/%s", base_name(prog)); /* fits: checked */
	int envc = 0;
	if (!img.exos_native) /* a Linux program gets exosim's environment */
		while (environ[envc])
			envc++;
	char execfn[INITRAMFS_PATH_MAX + 1];
	snprintf(execfn, sizeof(execfn), "/%s", guest_path);
	check_args(o->argc, o->argv, envc, environ, execfn);
	size_t args_len, env_len = 0;
	char *args = join(o->argc, o->argv, &args_len), *env = NULL;

	struct cpio_builder b;
	cpio_builder_init(&b);
	/* exosim/init and the program it names come first: the kernel parses the
	 * archive only as far as those two (~1.2K emulated instructions an entry
	 * here).  The directories follow their files: readers make the parents of
	 * a path as they meet it (libos/linux/rootfs.c). */
	const char *init = img.exos_native ? guest_path : "exosim/exos.elf";
	int bad = cpio_add_file(&b, "exosim/init", init, strlen(init), 0644);
	struct stat st; /* the program keeps its owner and time, as --add files do */
	const struct stat *prog_st = stat(prog, &st) == 0 ? &st : NULL;
	if (img.exos_native) { /* linked with ExOS: the kernel runs it directly */
		set_owner_time(&b, prog_st);
		bad |= cpio_add_file(&b, guest_path, image, size, 0755);
		set_owner_time(&b, NULL);
		bad |= cpio_add_dir(&b, "bin", 0755) | cpio_add_dir(&b, "exosim", 0755) |
		       cpio_add_file(&b, "exosim/argv", args, args_len, 0644) |
		       cpio_add_file(&b, "exosim/envp", "", 0, 0644);
	} else { /* a Linux program: the kernel runs ExOS, which runs it */
		size_t libos_size, conf_len;
		uint8_t *libos = read_file(o->libos, &libos_size);
		struct host_user u;
		host_user_read(&u);
		char *conf = exos_config(o, guest_path, &u, &conf_len);
		env = join(envc, environ, &env_len);
		bad |= cpio_add_file(&b, "exosim/exos.elf", libos, libos_size, 0755) |
		       cpio_add_dir(&b, "bin", 0755) | cpio_add_dir(&b, "exosim", 0755);
		set_owner_time(&b, prog_st);
		bad |= cpio_add_file(&b, guest_path, image, size, 0755);
		set_owner_time(&b, NULL);
		bad |= cpio_add_file(&b, "exosim/argv", args, args_len, 0644) |
		       cpio_add_file(&b, "exosim/envp", env, env_len, 0644) |
		       cpio_add_file(&b, "exosim/exos", conf, conf_len, 0644);
		/* The user's names for the ids ExOS reports; before --add, so that a
		 * user's own /etc/passwd or /etc/group replaces them. */
		bad |= cpio_add_dir(&b, "etc", 0755) |
		       cpio_add_file(&b, "etc/passwd", u.passwd, u.passwd_len, 0644) |
		       cpio_add_file(&b, "etc/group", u.group, u.group_len, 0644);
		host_user_free(&u);
		free(libos);
		free(conf);
	}
	for (int i = 0; i < o->nadd; i++)
		bad |= add_spec(&b, o->add[i]);
	bad |= cpio_finish(&b);
	if (bad)
		fail(EXOSIM_EXIT_INTERNAL, "cannot build the initramfs (out of memory, or a "
		                           "file of 4 GiB or more?)");
	check_tree(b.buf, b.len, EXOSIM_EXIT_USAGE, "--add", "");
	free(args);
	free(env);
	free(image);
	out->data = b.buf;
	out->size = b.len;
}

/* A user's archive, checked with the parser the kernel and ExOS use
 * (lib/cpio.c) and the kernel's rules for exosim/init (kernel/main.c), so that
 * what they would refuse is refused here in one line, before any VM exists.
 * Names from the archive are shown escaped. */
static void check_archive(const char *path, const uint8_t *a, size_t len)
{
	struct cpio_entry e;
	check_tree(a, len, EXOSIM_EXIT_BADARCHIVE, "--initrd", path);
	if (cpio_find(a, len, INITRAMFS_INIT, &e) != CPIO_OK || e.size == 0 ||
	    e.size > INITRAMFS_INIT_MAX)
		fail(EXOSIM_EXIT_BADARCHIVE,
		     "--initrd %s: names no program (" INITRAMFS_INIT
		     " is missing, empty or over %d bytes)",
		     path, INITRAMFS_INIT_MAX);
	char init[INITRAMFS_INIT_MAX + 1], shown[ESCAPE_SIZE(INITRAMFS_INIT_MAX)];
	memcpy(init, e.data, e.size);
	init[e.size] = 0;
	escape_str(shown, sizeof(shown), init);
	if (cpio_find(a, len, init, &e) != CPIO_OK)
		fail(EXOSIM_EXIT_BADARCHIVE, "--initrd %s: exosim/init names %s, which it lacks",
		     path, shown);
	struct elf64_image img;
	int err = elf64_parse(e.data, e.size, EXO_PIE_BASE, EXO_USTACK_BOTTOM, &img);
	if (err)
		fail(EXOSIM_EXIT_BADELF, "--initrd %s: %s: %s", path, shown, elf64_strerror(err));
}

void initramfs_read(struct initramfs *out, const char *path)
{
	out->data = read_file(path, &out->size);
	check_archive(path, out->data, out->size);
}

void initramfs_free(struct initramfs *r)
{
	free(r->data);
	r->data = NULL;
}
