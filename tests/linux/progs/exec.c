/* execve: a failed exec leaves the caller running with Linux's errno (a missing
 * file, one without an execute bit, a directory, a file of no known format); an
 * exec of this program and of a #! script from a forked child, with argv and envp;
 * close-on-exec descriptors closed and the others kept.  compare.sh checks exosim
 * says what Linux says. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void try_exec(const char *path)
{
	char *av[] = {(char *)path, NULL};
	char *ev[] = {NULL};
	errno = 0;
	execve(path, av, ev);
	printf("execve %s: errno %d\n", path, errno);
}

static int run(char *const av[], char *const ev[])
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		execve(av[0], av, ev);
		printf("execve %s failed: errno %d\n", av[0], errno);
		_exit(127);
	}
	int st;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child")) {
		printf("exec'd: argc %d, %s %s, FOO=%s\n", argc, argv[1], argv[2],
		       getenv("FOO") ? getenv("FOO") : "(unset)");
		printf("fd 5 %s, fd 6 %s\n", fcntl(5, F_GETFD) < 0 ? "closed" : "open",
		       fcntl(6, F_GETFD) < 0 ? "closed" : "open");
		return 42;
	}
	try_exec("data/no-such-file");
	try_exec("data/hello.txt");
	try_exec("data/sub");
	try_exec("sh/garbage");
	printf("still running\n");

	int fd = open("data/hello.txt", O_RDONLY);
	dup2(fd, 5);
	dup2(fd, 6);
	fcntl(6, F_SETFD, FD_CLOEXEC);
	char *av[] = {"/proc/self/exe", "child", "two", NULL};
	char *ev[] = {"FOO=bar", NULL};
	printf("child status %d\n", run(av, ev));
	char *sv[] = {"sh/script.sh", "a", "b", NULL};
	printf("script status %d\n", run(sv, ev));
	return 0;
}
