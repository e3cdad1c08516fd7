#include <signal.h>
#include <stddef.h>

#include "host_signals.h"

static uint64_t inherited_ignored;

void host_signals_init(void)
{
	for (int sig = 1; sig <= 64 && sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			inherited_ignored |= 1ull << (sig - 1);
	}
	signal(SIGPIPE, SIG_IGN);
}

uint64_t host_signals_inherited_ignored(void)
{
	return inherited_ignored;
}
