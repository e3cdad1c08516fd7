/* Children that die without their libOS's exit path.  Under exosim the child calls the
 * exokernel's gate directly (EXO_GATE_SYSCALL, include/exo/memlayout.h), bypassing ExOS,
 * so ExOS's process table still says it runs when its environment has ended:
 *   fault:   EXO_SYS_SET_HANDLER(self, 0) unregisters its exception handler, then a
 *            write through a null pointer: the kernel ends it (EXO_STATUS_FAULT(14));
 *   destroy: EXO_SYS_ENV_DESTROY(self) (EXO_STATUS_DESTROYED).
 * Natively nothing is mapped at the gate's address, so the call itself is a SIGSEGV;
 * for "destroy" the child's SIGSEGV handler turns it into the SIGKILL a destroyed
 * environment stands for.  Either way the parent must see the child killed by the same
 * signal through wait4, waitid and SIGCHLD, and never hang (ExOS's parent slept on a
 * word only the child's exit path bumps).  Prints what Linux reports; compare.sh
 * checks (with --kernel-kills: the kernel reports the faults on stderr). */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define GATE            0x7e8000000000ul /* EXO_GATE_SYSCALL */
#define SYS_ENV_DESTROY 15               /* EXO_SYS_ENV_DESTROY */
#define SYS_SET_HANDLER 16               /* EXO_SYS_SET_HANDLER */
#define CAP_SELF        0                /* EXO_CAP_SELF */

enum death { FAULT, DESTROY };

static volatile sig_atomic_t sigchld;

static void on_chld(int sig)
{
	(void)sig;
	sigchld++;
}

static void on_segv(int sig)
{
	(void)sig;
	kill(getpid(), SIGKILL);
}

/* The gate is `syscall; ret`: a call with the exokernel's convention (rax, rdi, rsi,
 * ...).  The red zone is stepped over, since `call` pushes into it. */
static long gate(long nr, long a1)
{
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	__asm__ volatile("sub $128, %%rsp\n\tcall *%[gate]\n\tadd $128, %%rsp"
	                 : "+a"(nr), "+D"(a1), "+r"(r10), "+r"(r8)
	                 : [gate] "r"(GATE), "S"(0l), "d"(0l)
	                 : "rcx", "r11", "r9", "memory", "cc");
	return nr;
}

static _Noreturn void die_abruptly(enum death how)
{
	if (how == DESTROY) {
		signal(SIGSEGV, on_segv);
		gate(SYS_ENV_DESTROY, CAP_SELF);
	} else {
		gate(SYS_SET_HANDLER, CAP_SELF);
		*(volatile int *)0 = 1;
	}
	_exit(99); /* not reached */
}

static int expected_signal(enum death how)
{
	return how == DESTROY ? SIGKILL : SIGSEGV;
}

static pid_t spawn_dying(enum death how, int delay_ms)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		usleep((useconds_t)delay_ms * 1000);
		die_abruptly(how);
	}
	return p;
}

static void killed_by(int st, enum death how, const char *what)
{
	int sig = expected_signal(how);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == sig, "%s: killed by signal %d", what, sig);
}

static void deaths(enum death how)
{
	const char *name = how == DESTROY ? "destroy" : "fault";
	printf("-- %s\n", name);

	/* wait4 asleep before the child dies */
	int before = sigchld;
	pid_t p = spawn_dying(how, 200);
	int st = 0;
	CHECK(waitpid(p, &st, 0) == p, "waitpid returns the dead child");
	killed_by(st, how, "waitpid");
	CHECK(sigchld == before + 1, "one SIGCHLD");

	/* waitid */
	p = spawn_dying(how, 100);
	siginfo_t si = {0};
	CHECK(waitid(P_PID, (id_t)p, &si, WEXITED) == 0, "waitid returns");
	CHECK(si.si_pid == p && (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED) &&
	              si.si_status == expected_signal(how),
	      "waitid: CLD_KILLED by signal %d", expected_signal(how));

	/* no wait at all: SIGCHLD wakes sigsuspend, then WNOHANG reaps */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	before = sigchld;
	p = spawn_dying(how, 200);
	while (sigchld == before)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, 0);
	CHECK(sigchld == before + 1, "sigsuspend woken by SIGCHLD");
	CHECK(waitpid(p, &st, WNOHANG) == p, "WNOHANG reaps it");
	killed_by(st, how, "WNOHANG");
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_chld};
	sigaction(SIGCHLD, &sa, 0);
	deaths(FAULT);
	deaths(DESTROY);

	/* two at once, of either death, waited for by pid -1 */
	pid_t a = spawn_dying(FAULT, 100), b = spawn_dying(DESTROY, 300);
	int n = 0, st = 0;
	for (pid_t w; (w = wait(&st)) > 0; n++)
		killed_by(st, w == a ? FAULT : DESTROY, w == a || w == b ? "one of two" : "?");
	CHECK(n == 2, "both reaped, then ECHILD");
	return check_exit();
}
