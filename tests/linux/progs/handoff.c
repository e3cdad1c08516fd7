/* handoff MODE: a 1-byte ping-pong between two processes, over two pipes (MODE pipe)
 * or an AF_UNIX socketpair (MODE unix), each byte checked.  Under ExOS the process
 * that blocks names the one it just fed (EXO_SYS_WAIT_FOR), and the kernel hands it
 * the CPU at once: a directed wake-up, counted in kinfo.directed_wakeups, which ExOS
 * maps into every program (auxv EXOS_AT_KINFO).  There this program also fails unless
 * most hand-offs were directed: without them the ping-pong still works, only slower,
 * and nothing else would notice.  Natively it checks the bytes only; what it prints
 * is the same in both places. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <exo/kinfo.h>

#include "check.h"

#define ROUNDS   300
#define AT_KINFO 0x4558 /* libos/include/exos/auxv.h: EXOS_AT_KINFO */

static void child(int rd, int wr)
{
	for (int i = 0; i < ROUNDS; i++) {
		unsigned char c;
		if (read(rd, &c, 1) != 1 || c != (unsigned char)i)
			_exit(1);
		c = (unsigned char)(c + 1);
		if (write(wr, &c, 1) != 1)
			_exit(2);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "pipe";
	const volatile struct exo_kinfo *k = (const void *)getauxval(AT_KINFO);
	int to[2], from[2];
	if (!strcmp(mode, "unix")) {
		int sv[2];
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
		to[0] = from[1] = sv[1]; /* the child's end */
		to[1] = from[0] = sv[0];
	} else {
		CHECK(pipe(to) == 0 && pipe(from) == 0, "two pipes");
	}
	uint64_t d0 = k ? k->directed_wakeups : 0;
	pid_t pid = fork();
	if (pid == 0)
		child(to[0], from[1]);
	CHECK(pid > 0, "fork");
	int bad = 0;
	for (int i = 0; i < ROUNDS && !bad; i++) {
		unsigned char c = (unsigned char)i;
		if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1 ||
		    c != (unsigned char)(i + 1))
			bad = 1;
	}
	CHECK(!bad, "%s: %d round trips, every byte back incremented", mode, ROUNDS);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the child checked every byte too");
	if (k) {
		/* Two hand-offs a round trip; a tick's poll may wake a sleeper first. */
		uint64_t d = k->directed_wakeups - d0;
		if (d < ROUNDS) {
			fprintf(stderr,
			        "handoff: only %lu of %d hand-offs were directed wake-ups\n",
			        (unsigned long)d, 2 * ROUNDS);
			return 1;
		}
	}
	return check_failures ? 1 : 0;
}
