/* ppoll, pselect and epoll_pwait with a temporary signal mask: a signal the temporary
 * mask lets through, whether pending before the call or arriving during it (an interval
 * timer), interrupts the call and its handler runs with the temporary mask still in force
 * (the signal blocked by the caller's own mask, another blocked by the temporary one);
 * the caller's mask is back once the handler returns.  ExOS restored the caller's mask
 * first, so the signal stayed pending and no handler ran.  Prints what Linux reports;
 * compare.sh checks. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t caught, usr2_blocked_in_handler;

static void on_sig(int sig)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	caught = sig;
	usr2_blocked_in_handler = sigismember(&now, SIGUSR2);
}

enum how { PPOLL, PSELECT, EPOLL_PWAIT };
static const char *const names[] = {"ppoll", "pselect", "epoll_pwait"};

/* Waits on the read end of an empty pipe, with `tmp` as the temporary mask. */
static int wait_with_mask(enum how how, int fd, int ep, const sigset_t *tmp)
{
	struct timespec ts = {5, 0};
	switch (how) {
	case PPOLL: {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		return ppoll(&p, 1, &ts, tmp);
	}
	case PSELECT: {
		fd_set r;
		FD_ZERO(&r);
		FD_SET(fd, &r);
		return pselect(fd + 1, &r, NULL, NULL, &ts, tmp);
	}
	default: {
		struct epoll_event e;
		return epoll_pwait(ep, &e, 1, 5000, tmp);
	}
	}
}

static void one(enum how how, int sig, bool pending_before, int fd, int ep)
{
	sigset_t own, tmp, after;
	sigemptyset(&own);
	sigaddset(&own, sig); /* the caller blocks sig ... */
	sigprocmask(SIG_SETMASK, &own, NULL);
	sigemptyset(&tmp);
	sigaddset(&tmp, SIGUSR2); /* ... the wait lets it through and blocks SIGUSR2 */
	caught = usr2_blocked_in_handler = 0;
	if (pending_before) {
		raise(sig);
	} else {
		struct itimerval it = {.it_value = {0, 50000}};
		setitimer(ITIMER_REAL, &it, NULL);
	}
	errno = 0;
	int r = wait_with_mask(how, fd, ep, &tmp);
	int e = errno;
	sigprocmask(SIG_BLOCK, NULL, &after);
	const char *when = pending_before ? "pending before" : "arriving during";
	CHECK(r == -1 && e == EINTR, "%s, signal %s: -1 EINTR (%d %s)", names[how], when, r,
	      errno_name(e));
	CHECK(caught == sig, "%s, signal %s: its handler ran", names[how], when);
	CHECK(usr2_blocked_in_handler, "%s, signal %s: with the temporary mask in force",
	      names[how], when);
	CHECK(sigismember(&after, sig) && !sigismember(&after, SIGUSR2),
	      "%s, signal %s: the caller's mask is back", names[how], when);
	sigprocmask(SIG_UNBLOCK, &own, NULL);
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_sig};
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	int p[2];
	if (pipe(p)) {
		perror("pipe");
		return 1;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = p[0]};
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	for (enum how h = PPOLL; h <= EPOLL_PWAIT; h++) {
		one(h, SIGUSR1, true, p[0], ep);
		one(h, SIGALRM, false, p[0], ep);
	}
	return check_exit();
}
