/* The host user as the guest sees it: exosim's uid, gid and supplementary
 * groups, and the /etc/passwd and /etc/group lines that name them, so that
 * `id`, `whoami`, `ls -l` and tar's owner fields in the guest print what they
 * print natively. */
#ifndef HOSTSIM_HOST_USER_H
#define HOSTSIM_HOST_USER_H

#include <stddef.h>

/* The most supplementary groups passed to the guest (ExOS's getgroups table). */
#define HOST_USER_GROUPS_MAX 256

struct host_user {
	char *config; /* "uid=U\ngid=G\ngroups=A,B,...\n" for exosim/exos */
	char *passwd; /* /etc/passwd: root and the user, as the host names them */
	char *group;  /* /etc/group: the user's groups (and root's) */
	size_t config_len, passwd_len, group_len;
};

/* Reads the host's user database for exosim's own ids.  Exits with
 * EXOSIM_EXIT_INTERNAL and one line if the host cannot tell them or they do
 * not fit (more than HOST_USER_GROUPS_MAX groups). */
void host_user_read(struct host_user *u);
void host_user_free(struct host_user *u);

#endif
