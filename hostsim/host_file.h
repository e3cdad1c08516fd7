/* Opening the files exosim is given (PROGRAM, --initrd, --kernel, --libos,
 * --add): regular files only. */
#ifndef HOSTSIM_HOST_FILE_H
#define HOSTSIM_HOST_FILE_H

/* Opens path for reading; exits with EXOSIM_EXIT_NOFILE and one line if it
 * cannot, or if it is not a regular file.  A FIFO, a terminal or a socket
 * could block exosim forever, or hand it a different program on every read;
 * the open itself does not block (O_NONBLOCK, then fstat), so a FIFO with no
 * writer is refused at once.  Returns a blocking descriptor. */
int host_file_open(const char *path);

#endif
