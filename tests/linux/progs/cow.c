/* Copy-on-write after fork: parent and child write the same pages (static
 * data, the heap, the stack, a large anonymous mapping, a page written
 * through write(2) into the program's memory), and each must see only its
 * own values; a grandchild keeps its memory after its parent has exited
 * (the parent's pages outlive it), and a second fork after the first child
 * has exited sees the parent's latest values.  Prints what it saw; compare.sh
 * checks exosim says the same as Linux. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIG (8u << 20) /* holds whole 2 MiB blocks, which ExOS maps as 2 MiB pages */

static char data[3 * 4096] = "initialised data";
static char bss[5 * 4096];
static char *heap, *big, *prot;

/* A checksum of every region, so a page seen from the wrong process shows. */
static unsigned long sum(void)
{
	unsigned long s = 0;
	for (size_t i = 0; i < sizeof(data); i += 512)
		s = s * 31 + (unsigned char)data[i];
	for (size_t i = 0; i < sizeof(bss); i += 512)
		s = s * 31 + (unsigned char)bss[i];
	for (size_t i = 0; i < 64 * 1024; i += 512)
		s = s * 31 + (unsigned char)heap[i];
	for (size_t i = 0; i < BIG; i += 4096)
		s = s * 31 + (unsigned char)big[i];
	return s;
}

static void fill(char c)
{
	memset(data, c, sizeof(data));
	memset(bss, c + 1, sizeof(bss));
	memset(heap, c + 2, 64 * 1024);
	for (size_t i = 0; i < BIG; i += 4096)
		big[i] = (char)(c + 3 + i / 4096);
}

static int wait_for(pid_t p)
{
	int st = 0;
	if (waitpid(p, &st, 0) != p)
		perror("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
	heap = malloc(64 * 1024);
	big = mmap(0, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* pages the child only reads while the parent changes their protection */
	prot = mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!heap || big == MAP_FAILED || prot == MAP_FAILED)
		return 1;
	memset(prot, 'p', 4 * 4096);
	fill('a');
	volatile char stack[8192];
	memset((char *)stack, 's', sizeof(stack));
	unsigned long before = sum();

	/* 1: both write the same pages, in both orders */
	int fds[2], gate[2];
	if (pipe(fds) || pipe(gate))
		return 1;
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		char c;
		printf("child sees the parent's memory: %s\n", sum() == before ? "yes" : "NO");
		fill('k');
		stack[100] = 'K';
		if (read(gate[0], &c, 1) != 1) /* the parent has written its own by now */
			_exit(3);
		printf("child's read-only view survives the parent's mprotect: %s\n",
		       prot[0] == 'p' && prot[4096] == 'p' && prot[2 * 4096] == 'p' ? "yes" : "NO");
		printf("child keeps its own: %s, stack %c\n",
		       data[0] == 'k' && bss[4096] == 'l' && heap[4096] == 'm' &&
		                       big[3 << 20] == (char)('n' + (3 << 8))
		               ? "yes"
		               : "NO",
		       stack[100]);
		/* write(2) from a copy-on-write page and read(2) into one */
		fflush(stdout);
		if (write(fds[1], data, 16) != 16)
			_exit(4);
		_exit(sum() == before ? 5 : 0);
	}
	fill('P');
	stack[100] = 'Q';
	/* read-only and back, PROT_NONE and back, then written: our copies only */
	if (mprotect(prot, 4096, PROT_READ) || mprotect(prot, 4096, PROT_READ | PROT_WRITE) ||
	    mprotect(prot + 4096, 4096, PROT_NONE) ||
	    mprotect(prot + 4096, 4096, PROT_READ | PROT_WRITE))
		return 1;
	prot[0] = prot[4096] = prot[2 * 4096] = 'W';
	if (write(gate[1], "g", 1) != 1)
		return 1;
	char buf[17] = {0};
	if (read(fds[0], bss + 4096 + 7, 16) != 16) /* into a shared page of ours */
		return 1;
	memcpy(buf, bss + 4096 + 7, 16);
	printf("child exited %d\n", wait_for(p));
	printf("parent keeps its own: %s, stack %c, read from the child: %.16s\n",
	       data[0] == 'P' && heap[4096] == 'R' && big[3 << 20] == (char)('S' + (3 << 8)) ? "yes"
	                                                                                     : "NO",
	       stack[100], buf);

	/* 2: a second fork sees the parent's latest values */
	unsigned long now = sum();
	fflush(stdout);
	p = fork();
	if (p == 0)
		_exit(sum() == now ? 0 : 1);
	printf("second child saw the latest values: %s\n", wait_for(p) == 0 ? "yes" : "NO");

	/* 3: a grandchild outlives its parent and keeps what it inherited */
	fill('x');
	now = sum();
	int res[2];
	if (pipe(gate) || pipe(res))
		return 1;
	fflush(stdout);
	p = fork();
	if (p == 0) {
		pid_t g = fork();
		if (g == 0) {
			char c, ok;
			if (read(gate[0], &c, 1) != 1) /* its parent has gone */
				_exit(3);
			ok = sum() == now ? 'y' : 'n';
			fill('w');
			ok = ok == 'y' && data[0] == 'w' ? 'y' : 'n';
			_exit(write(res[1], &ok, 1) == 1 ? 0 : 4);
		}
		fill('m'); /* the middle process's own copies, then it goes */
		_exit(g > 0 ? 0 : 2);
	}
	printf("middle process exited %d\n", wait_for(p));
	fill('z'); /* and ours change under nobody else */
	if (write(gate[1], "g", 1) != 1)
		return 1;
	char ok = '?';
	if (read(res[0], &ok, 1) != 1)
		return 1;
	printf("the grandchild kept its memory after its parent's exit: %c\n", ok);
	printf("parent after all: %s\n",
	       data[0] == 'z' && big[BIG - 4096] == (char)('z' + 3 + (BIG / 4096 - 1)) ? "yes"
	                                                                               : "NO");
	return 0;
}
