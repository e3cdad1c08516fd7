/* The x86-64 Linux ABI as ExOS emulates it: system call numbers, error
 * numbers and the flags several modules share.  Values are Linux's (from its
 * uapi headers); ExOS code is freestanding, so it cannot include them.
 * Structures belong to the module that uses them (fs.h, mm.h, signal.h). */
#ifndef EXOS_LINUX_ABI_H
#define EXOS_LINUX_ABI_H

#include <stdint.h>

/* System call numbers (asm/unistd_64.h). */
#define LINUX_SYS_read              0
#define LINUX_SYS_write             1
#define LINUX_SYS_open              2
#define LINUX_SYS_close             3
#define LINUX_SYS_stat              4
#define LINUX_SYS_fstat             5
#define LINUX_SYS_lstat             6
#define LINUX_SYS_poll              7
#define LINUX_SYS_lseek             8
#define LINUX_SYS_mmap              9
#define LINUX_SYS_mprotect          10
#define LINUX_SYS_munmap            11
#define LINUX_SYS_brk               12
#define LINUX_SYS_rt_sigaction      13
#define LINUX_SYS_rt_sigprocmask    14
#define LINUX_SYS_rt_sigreturn      15
#define LINUX_SYS_ioctl             16
#define LINUX_SYS_pread64           17
#define LINUX_SYS_pwrite64          18
#define LINUX_SYS_readv             19
#define LINUX_SYS_writev            20
#define LINUX_SYS_access            21
#define LINUX_SYS_pipe              22
#define LINUX_SYS_select            23
#define LINUX_SYS_sched_yield       24
#define LINUX_SYS_mremap            25
#define LINUX_SYS_msync             26
#define LINUX_SYS_mincore           27
#define LINUX_SYS_madvise           28
#define LINUX_SYS_dup               32
#define LINUX_SYS_dup2              33
#define LINUX_SYS_nanosleep         35
#define LINUX_SYS_getitimer         36
#define LINUX_SYS_alarm             37
#define LINUX_SYS_setitimer         38
#define LINUX_SYS_getpid            39
#define LINUX_SYS_sendfile          40
#define LINUX_SYS_socket            41
#define LINUX_SYS_exit              60
#define LINUX_SYS_kill              62
#define LINUX_SYS_uname             63
#define LINUX_SYS_fcntl             72
#define LINUX_SYS_flock             73
#define LINUX_SYS_fsync             74
#define LINUX_SYS_fdatasync         75
#define LINUX_SYS_truncate          76
#define LINUX_SYS_ftruncate         77
#define LINUX_SYS_getdents          78
#define LINUX_SYS_getcwd            79
#define LINUX_SYS_chdir             80
#define LINUX_SYS_fchdir            81
#define LINUX_SYS_rename            82
#define LINUX_SYS_mkdir             83
#define LINUX_SYS_rmdir             84
#define LINUX_SYS_creat             85
#define LINUX_SYS_link              86
#define LINUX_SYS_unlink            87
#define LINUX_SYS_symlink           88
#define LINUX_SYS_readlink          89
#define LINUX_SYS_chmod             90
#define LINUX_SYS_fchmod            91
#define LINUX_SYS_chown             92
#define LINUX_SYS_umask             95
#define LINUX_SYS_gettimeofday      96
#define LINUX_SYS_getrlimit         97
#define LINUX_SYS_getrusage         98
#define LINUX_SYS_sysinfo           99
#define LINUX_SYS_times             100
#define LINUX_SYS_getuid            102
#define LINUX_SYS_getgid            104
#define LINUX_SYS_setuid            105
#define LINUX_SYS_setgid            106
#define LINUX_SYS_geteuid           107
#define LINUX_SYS_getegid           108
#define LINUX_SYS_setpgid           109
#define LINUX_SYS_getppid           110
#define LINUX_SYS_getpgrp           111
#define LINUX_SYS_setsid            112
#define LINUX_SYS_getgroups         115
#define LINUX_SYS_sigaltstack       131
#define LINUX_SYS_arch_prctl        158
#define LINUX_SYS_setrlimit         160
#define LINUX_SYS_gettid            186
#define LINUX_SYS_tkill             200
#define LINUX_SYS_time              201
#define LINUX_SYS_futex             202
#define LINUX_SYS_sched_getaffinity 204
#define LINUX_SYS_set_tid_address   218
#define LINUX_SYS_getdents64        217
#define LINUX_SYS_clock_gettime     228
#define LINUX_SYS_clock_getres      229
#define LINUX_SYS_clock_nanosleep   230
#define LINUX_SYS_exit_group        231
#define LINUX_SYS_tgkill            234
#define LINUX_SYS_openat            257
#define LINUX_SYS_newfstatat        262
#define LINUX_SYS_readlinkat        267
#define LINUX_SYS_faccessat         269
#define LINUX_SYS_set_robust_list   273
#define LINUX_SYS_get_robust_list   274
#define LINUX_SYS_dup3              292
#define LINUX_SYS_pipe2             293
#define LINUX_SYS_prlimit64         302
#define LINUX_SYS_getrandom         318
#define LINUX_SYS_statx             332
#define LINUX_SYS_rseq              334
#define LINUX_SYS_faccessat2        439
#define LINUX_SYS_getpgid           121
#define LINUX_SYS_getsid            124
#define LINUX_SYS_fork              57
#define LINUX_SYS_vfork             58
#define LINUX_SYS_clone             56
#define LINUX_SYS_execve            59
#define LINUX_SYS_wait4             61
#define LINUX_SYS_waitid            247
#define LINUX_SYS_rt_sigpending     127
#define LINUX_SYS_rt_sigtimedwait   128
#define LINUX_SYS_rt_sigqueueinfo   129
#define LINUX_SYS_rt_sigsuspend     130
#define LINUX_SYS_pause             34

#define LINUX_NR_MAX 451 /* one past the highest number we name */
extern const char *const linux_syscall_names[LINUX_NR_MAX];

/* Error numbers (asm-generic/errno-base.h, errno.h). */
#define LINUX_EPERM        1
#define LINUX_ENOENT       2
#define LINUX_ESRCH        3
#define LINUX_EINTR        4
#define LINUX_EIO          5
#define LINUX_ENXIO        6
#define LINUX_E2BIG        7
#define LINUX_ENOEXEC      8
#define LINUX_EBADF        9
#define LINUX_ECHILD       10
#define LINUX_EAGAIN       11
#define LINUX_ENOMEM       12
#define LINUX_EACCES       13
#define LINUX_EFAULT       14
#define LINUX_EBUSY        16
#define LINUX_EEXIST       17
#define LINUX_EXDEV        18
#define LINUX_ENODEV       19
#define LINUX_ENOTDIR      20
#define LINUX_EISDIR       21
#define LINUX_EINVAL       22
#define LINUX_ENFILE       23
#define LINUX_EMFILE       24
#define LINUX_ENOTTY       25
#define LINUX_EFBIG        27
#define LINUX_ENOSPC       28
#define LINUX_ESPIPE       29
#define LINUX_EROFS        30
#define LINUX_EMLINK       31
#define LINUX_EPIPE        32
#define LINUX_ERANGE       34
#define LINUX_ENAMETOOLONG 36
#define LINUX_ENOSYS       38
#define LINUX_ENOTEMPTY    39
#define LINUX_ELOOP        40
#define LINUX_ENODATA      61
#define LINUX_EOVERFLOW    75
#define LINUX_ENOTSOCK     88
#define LINUX_EOPNOTSUPP   95
#define LINUX_ETIMEDOUT    110

/* Signals (asm/signal.h). */
#define LINUX_SIGHUP   1
#define LINUX_SIGINT   2
#define LINUX_SIGQUIT  3
#define LINUX_SIGILL   4
#define LINUX_SIGTRAP  5
#define LINUX_SIGABRT  6
#define LINUX_SIGBUS   7
#define LINUX_SIGFPE   8
#define LINUX_SIGKILL  9
#define LINUX_SIGUSR1  10
#define LINUX_SIGSEGV  11
#define LINUX_SIGUSR2  12
#define LINUX_SIGPIPE  13
#define LINUX_SIGALRM  14
#define LINUX_SIGTERM  15
#define LINUX_SIGCHLD  17
#define LINUX_SIGCONT  18
#define LINUX_SIGSTOP  19
#define LINUX_SIGWINCH 28
#define LINUX_NSIG     64

/* si_code values for SIGSEGV and SIGFPE. */
#define LINUX_SEGV_MAPERR 1
#define LINUX_SEGV_ACCERR 2
#define LINUX_FPE_INTDIV  1
#define LINUX_ILL_ILLOPN  2
#define LINUX_TRAP_BRKPT  1
#define LINUX_SI_USER     0
#define LINUX_SI_TKILL    (-6)
#define LINUX_SI_KERNEL   0x80

/* mmap/mprotect protections. */
#define LINUX_PROT_NONE  0
#define LINUX_PROT_READ  1
#define LINUX_PROT_WRITE 2
#define LINUX_PROT_EXEC  4

/* Clocks. */
#define LINUX_CLOCK_REALTIME           0
#define LINUX_CLOCK_MONOTONIC          1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID 2
#define LINUX_CLOCK_THREAD_CPUTIME_ID  3
#define LINUX_CLOCK_MONOTONIC_RAW      4
#define LINUX_CLOCK_REALTIME_COARSE    5
#define LINUX_CLOCK_MONOTONIC_COARSE   6
#define LINUX_CLOCK_BOOTTIME           7

/* *at() calls. */
#define LINUX_AT_FDCWD            (-100)
#define LINUX_AT_SYMLINK_NOFOLLOW 0x100
#define LINUX_AT_EMPTY_PATH       0x1000

struct linux_timespec {
	long tv_sec, tv_nsec;
};
struct linux_timeval {
	long tv_sec, tv_usec;
};
struct linux_iovec {
	uint64_t base; /* a program address */
	uint64_t len;
};

#endif
