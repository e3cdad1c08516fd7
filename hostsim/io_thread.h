/* The I/O thread: device work that must not stop the vCPU.  Queue kicks
 * (KVM_IOEVENTFD) and backend completions (io_uring's eventfd) are file
 * descriptors; the thread waits on all of them with epoll and calls each
 * one's handler.  A handler runs on this thread only, one at a time, so a
 * device needs a lock only against its register accesses from the vCPU
 * thread. */
#ifndef HOSTSIM_IO_THREAD_H
#define HOSTSIM_IO_THREAD_H

/* Calls handler(arg) on the I/O thread whenever fd is readable (level
 * triggered: the handler must drain it, or pause the watch); fd may be -1
 * (io_thread_set_fd gives it one later).  Before io_thread_start, or on the
 * I/O thread itself; exits with EXOSIM_EXIT_INTERNAL if epoll refuses.
 * Returns the watch's number. */
int io_thread_watch(int fd, void (*handler)(void *arg), void *arg);

/* Moves a watch to another descriptor (-1: none for now), from the I/O
 * thread or before it starts: a socket backend's peer comes and goes. */
void io_thread_set_fd(int watch, int fd);

/* Stops and restarts calling a watch's handler (from any thread): a device
 * that cannot take what its descriptor has (no receive buffers) leaves it
 * there, as back-pressure, until it can.  A paused watch's descriptor is
 * not polled at all (so a hang-up waits too); resume only a paused one. */
void io_thread_pause(int watch);
void io_thread_resume(int watch);

/* Starts the thread if anything is watched; a no-op otherwise. */
void io_thread_start(void);

/* Stops the thread and waits for it (a handler in progress finishes). */
void io_thread_stop(void);

#endif
