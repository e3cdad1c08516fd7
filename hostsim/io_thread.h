/* The I/O thread: device work that must not stop the vCPU.  Queue kicks
 * (KVM_IOEVENTFD) and backend completions (io_uring's eventfd) are file
 * descriptors; the thread waits on all of them with epoll and calls each
 * one's handler.  A handler runs on this thread only, one at a time, so a
 * device needs a lock only against its register accesses from the vCPU
 * thread. */
#ifndef HOSTSIM_IO_THREAD_H
#define HOSTSIM_IO_THREAD_H

/* Calls handler(arg) on the I/O thread whenever fd is readable (level
 * triggered: the handler must drain it).  Before io_thread_start only;
 * exits with EXOSIM_EXIT_INTERNAL if epoll refuses. */
void io_thread_watch(int fd, void (*handler)(void *arg), void *arg);

/* Starts the thread if anything is watched; a no-op otherwise. */
void io_thread_start(void);

/* Stops the thread and waits for it (a handler in progress finishes). */
void io_thread_stop(void);

#endif
