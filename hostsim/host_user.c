/* The host user for the guest (host_user.h).  exosim writes the entries of the
 * ids the guest will report, not the host's whole user database: the guest
 * needs the names of its own ids, and nothing of the host's other accounts. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fail.h"
#include "host_user.h"

/* A growing string (open_memstream: no length arithmetic by hand). */
struct text {
	FILE *f;
	char *buf;
	size_t len;
};

static void text_open(struct text *t)
{
	t->buf = NULL;
	t->len = 0;
	t->f = open_memstream(&t->buf, &t->len);
	if (!t->f)
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
}

static char *text_close(struct text *t, size_t *len)
{
	if (ferror(t->f) | fclose(t->f))
		fail(EXOSIM_EXIT_INTERNAL, "out of memory");
	*len = t->len;
	return t->buf;
}

/* A name field from the host's database: ':' or a newline in it would break
 * the guest's parsers, so such an entry is written with the id as its name. */
static const char *field(const char *s)
{
	return s && !strpbrk(s, ":\n") ? s : NULL;
}

static void passwd_line(FILE *f, uid_t uid, gid_t gid)
{
	struct passwd *pw = getpwuid(uid);
	const char *name = pw ? field(pw->pw_name) : NULL;
	if (!name) { /* a uid without an entry: as `id` shows it, by number */
		fprintf(f, "%u:x:%u:%u::/:/bin/sh\n", (unsigned)uid, (unsigned)uid, (unsigned)gid);
		return;
	}
	const char *gecos = field(pw->pw_gecos), *dir = field(pw->pw_dir),
	           *shell = field(pw->pw_shell);
	fprintf(f, "%s:x:%u:%u:%s:%s:%s\n", name, (unsigned)pw->pw_uid, (unsigned)pw->pw_gid,
	        gecos ? gecos : "", dir ? dir : "/", shell ? shell : "/bin/sh");
}

static void group_line(FILE *f, gid_t gid, const char *member)
{
	struct group *gr = getgrgid(gid);
	const char *name = gr ? field(gr->gr_name) : NULL;
	if (name)
		fprintf(f, "%s:x:%u:%s\n", name, (unsigned)gid, member ? member : "");
}

static bool seen(const gid_t *g, int n, gid_t gid)
{
	for (int i = 0; i < n; i++)
		if (g[i] == gid)
			return true;
	return false;
}

void host_user_read(struct host_user *u)
{
	uid_t uid = getuid();
	gid_t gid = getgid(), groups[HOST_USER_GROUPS_MAX];
	int n = getgroups(HOST_USER_GROUPS_MAX, groups);
	if (n < 0 && errno == EINVAL)
		fail(EXOSIM_EXIT_INTERNAL,
		     "this user is in more than %d groups: the guest can "
		     "show at most %d",
		     HOST_USER_GROUPS_MAX, HOST_USER_GROUPS_MAX);
	if (n < 0)
		fail(EXOSIM_EXIT_INTERNAL, "getgroups: %s", strerror(errno));

	struct text t;
	text_open(&t);
	fprintf(t.f, "uid=%u\ngid=%u\ngroups=", (unsigned)uid, (unsigned)gid);
	for (int i = 0; i < n; i++)
		fprintf(t.f, "%s%u", i ? "," : "", (unsigned)groups[i]);
	fputc('\n', t.f);
	u->config = text_close(&t, &u->config_len);

	text_open(&t);
	passwd_line(t.f, 0, 0);
	if (uid != 0)
		passwd_line(t.f, uid, gid);
	u->passwd = text_close(&t, &u->passwd_len);

	struct passwd *pw = getpwuid(uid);
	const char *me = pw && uid != 0 ? field(pw->pw_name) : NULL;
	text_open(&t);
	group_line(t.f, 0, NULL);
	if (gid != 0)
		group_line(t.f, gid, NULL);
	for (int i = 0; i < n; i++)
		if (groups[i] != 0 && groups[i] != gid && !seen(groups, i, groups[i]))
			group_line(t.f, groups[i], me);
	u->group = text_close(&t, &u->group_len);
}

void host_user_free(struct host_user *u)
{
	free(u->config);
	free(u->passwd);
	free(u->group);
}
