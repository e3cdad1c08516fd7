/* The file layer's share of the Linux ABI: open flags, the structures its calls fill in
 * (from Linux's x86-64 uapi headers), and call numbers abi.h does not name. */
#ifndef EXOS_LINUX_FS_H
#define EXOS_LINUX_FS_H

#include <stdint.h>

#include "abi.h"

/* open(2) flags (asm-generic/fcntl.h). */
#define LINUX_O_ACCMODE     00000003
#define LINUX_O_RDONLY      00000000
#define LINUX_O_WRONLY      00000001
#define LINUX_O_RDWR        00000002
#define LINUX_O_CREAT       00000100
#define LINUX_O_EXCL        00000200
#define LINUX_O_NOCTTY      00000400
#define LINUX_O_TRUNC       00001000
#define LINUX_O_APPEND      00002000
#define LINUX_O_NONBLOCK    00004000
#define LINUX_O_DSYNC       00010000
#define LINUX_O_ASYNC       00020000
#define LINUX_O_DIRECT      00040000
#define LINUX_O_LARGEFILE   00100000
#define LINUX_O_DIRECTORY   00200000
#define LINUX_O_NOFOLLOW    00400000
#define LINUX_O_NOATIME     01000000
#define LINUX_O_CLOEXEC     02000000
#define LINUX_O_PATH        010000000
#define LINUX_O_TMPFILE_BIT 020000000 /* __O_TMPFILE */

/* fcntl(2). */
#define LINUX_F_DUPFD         0
#define LINUX_F_GETFD         1
#define LINUX_F_SETFD         2
#define LINUX_F_GETFL         3
#define LINUX_F_SETFL         4
#define LINUX_F_GETLK         5
#define LINUX_F_SETLK         6
#define LINUX_F_SETLKW        7
#define LINUX_F_DUPFD_CLOEXEC 1030
#define LINUX_F_SETPIPE_SZ    1031
#define LINUX_F_GETPIPE_SZ    1032
#define LINUX_FD_CLOEXEC      1
#define LINUX_F_UNLCK         2

/* lseek(2). */
#define LINUX_SEEK_SET  0
#define LINUX_SEEK_CUR  1
#define LINUX_SEEK_END  2
#define LINUX_SEEK_DATA 3
#define LINUX_SEEK_HOLE 4

/* access(2). */
#define LINUX_F_OK            0
#define LINUX_X_OK            1
#define LINUX_W_OK            2
#define LINUX_R_OK            4
#define LINUX_AT_EACCESS      0x200
#define LINUX_AT_REMOVEDIR    0x200
#define LINUX_AT_NO_AUTOMOUNT 0x800

/* ioctl(2) requests (asm-generic/ioctls.h). */
#define LINUX_TCGETS     0x5401
#define LINUX_TCSETS     0x5402
#define LINUX_TCSETSW    0x5403
#define LINUX_TCSETSF    0x5404
#define LINUX_TIOCGPGRP  0x540f
#define LINUX_TIOCSPGRP  0x5410
#define LINUX_TIOCGWINSZ 0x5413
#define LINUX_TIOCSWINSZ 0x5414
#define LINUX_FIONREAD   0x541b
#define LINUX_FIONBIO    0x5421
#define LINUX_FIONCLEX   0x5450
#define LINUX_FIOCLEX    0x5451
#define LINUX_FIOASYNC   0x5452

/* poll(2). */
#define LINUX_POLLIN     0x001
#define LINUX_POLLPRI    0x002
#define LINUX_POLLOUT    0x004
#define LINUX_POLLERR    0x008
#define LINUX_POLLHUP    0x010
#define LINUX_POLLNVAL   0x020
#define LINUX_POLLRDNORM 0x040
#define LINUX_POLLWRNORM 0x100

/* getdents64 d_type. */
#define LINUX_DT_UNKNOWN 0
#define LINUX_DT_FIFO    1
#define LINUX_DT_CHR     2
#define LINUX_DT_DIR     4
#define LINUX_DT_BLK     6
#define LINUX_DT_REG     8
#define LINUX_DT_LNK     10
#define LINUX_DT_SOCK    12

/* statx(2) mask bits. */
#define LINUX_STATX_BASIC_STATS 0x7ffu

/* File calls abi.h does not name (asm/unistd_64.h). */
#define LINUX_SYS_fchown    93
#define LINUX_SYS_lchown    94
#define LINUX_SYS_mkdirat   258
#define LINUX_SYS_mknodat   259
#define LINUX_SYS_fchownat  260
#define LINUX_SYS_unlinkat  263
#define LINUX_SYS_renameat  264
#define LINUX_SYS_linkat    265
#define LINUX_SYS_symlinkat 266
#define LINUX_SYS_fchmodat  268
#define LINUX_SYS_ppoll     271
#define LINUX_SYS_renameat2 316
#define LINUX_SYS_mknod     133
#define LINUX_SYS_utime     132
#define LINUX_SYS_statfs    137
#define LINUX_SYS_fstatfs   138
#define LINUX_SYS_utimes    235
#define LINUX_SYS_futimesat 261
#define LINUX_SYS_utimensat 280

struct linux_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	int32_t __pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks;
	struct linux_timespec st_atim, st_mtim, st_ctim;
	int64_t __unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "x86-64 struct stat");

struct linux_statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t __reserved;
};

struct linux_statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t __spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct linux_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor;
	uint32_t stx_dev_major, stx_dev_minor;
	uint64_t stx_mnt_id;
	uint32_t stx_dio_mem_align, stx_dio_offset_align;
	uint64_t __spare3[12];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx");

/* getdents64 records: d_reclen bytes each, 8-aligned, the name NUL-terminated. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off; /* the offset of the next record (lseek to it resumes there) */
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

struct linux_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
};
_Static_assert(sizeof(struct linux_termios) == 36, "kernel struct termios");

struct linux_winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

struct linux_statfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "x86-64 struct statfs");

#define LINUX_RAMFS_MAGIC         0x858458f6
#define LINUX_TMPFS_MAGIC         0x01021994
#define LINUX_PROC_MAGIC          0x9fa0
#define LINUX_PIPEFS_MAGIC        0x50495045
#define LINUX_ANON_INODE_FS_MAGIC 0x09041934
#define LINUX_ST_RDONLY           1

struct linux_pollfd {
	int32_t fd;
	int16_t events, revents;
};

struct linux_flock {
	int16_t l_type, l_whence;
	int64_t l_start, l_len;
	int32_t l_pid;
};

#endif
