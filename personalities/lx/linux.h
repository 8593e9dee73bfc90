/*
 * The Linux numbers lx speaks to its processes: errno values, open flags and fcntl commands, from the
 * Linux x86_64 ABI (man 3 errno, man 2 open, man 2 fcntl). lx itself is built with newlib, whose
 * <errno.h> and <fcntl.h> number many of these differently (newlib's ENOSYS is 88, Linux's 38), so lx
 * never hands a process a value from those headers: only these.
 */
#ifndef LX_LINUX_H
#define LX_LINUX_H

#define LX_EPERM 1
#define LX_ENOENT 2
#define LX_ESRCH 3
#define LX_EINTR 4
#define LX_E2BIG 7
#define LX_ENOEXEC 8
#define LX_EBADF 9
#define LX_EAGAIN 11
#define LX_ENOMEM 12
#define LX_EACCES 13
#define LX_EFAULT 14
#define LX_ENOTDIR 20
#define LX_EISDIR 21
#define LX_EINVAL 22
#define LX_EMFILE 24
#define LX_ENOTTY 25
#define LX_ESPIPE 29
#define LX_EROFS 30
#define LX_ERANGE 34
#define LX_EDOM 33
#define LX_ENAMETOOLONG 36
#define LX_ENOSYS 38
#define LX_EPIPE 32
#define LX_EEXIST 17
#define LX_EBUSY 16
#define LX_EXDEV 18
#define LX_EFBIG 27
#define LX_ENOSPC 28
#define LX_ENOTEMPTY 39
#define LX_ECHILD 10
#define LX_ELOOP 40
#define LX_ETIMEDOUT 110
#define LX_ENODEV 19
#define LX_ENOTSOCK 88
#define LX_EDESTADDRREQ 89
#define LX_EMSGSIZE 90
#define LX_EPROTOTYPE 91
#define LX_ENOPROTOOPT 92
#define LX_EPROTONOSUPPORT 93
#define LX_ESOCKTNOSUPPORT 94
#define LX_EOPNOTSUPP 95
#define LX_EAFNOSUPPORT 97
#define LX_EADDRINUSE 98
#define LX_ECONNRESET 104
#define LX_ENOBUFS 105
#define LX_EISCONN 106
#define LX_ENOTCONN 107
#define LX_ECONNREFUSED 111

#define LX_O_WRONLY 01
#define LX_O_RDWR 02
#define LX_O_CREAT 0100
#define LX_O_TRUNC 01000
#define LX_O_EXCL 0200
#define LX_O_APPEND 02000
#define LX_O_ACCMODE 03
#define LX_O_DIRECTORY 0200000
#define LX_O_NOFOLLOW 0400000
#define LX_O_NONBLOCK 04000
#define LX_O_CLOEXEC 02000000

#define LX_FD_CLOEXEC 1
#define LX_WNOHANG 1
#define LX_SIGINT 2
#define LX_SIGQUIT 3
#define LX_SIGKILL 9
#define LX_SIGCONT 18
#define LX_SIGSTOP 19
#define LX_SIGTSTP 20
#define LX_SIGTTIN 21
#define LX_EIO 5
#define LX_SIGPIPE 13
#define LX_SIGCHLD 17
#define LX_NSIG 64

#define LX_F_DUPFD 0
#define LX_F_GETFD 1
#define LX_F_SETFD 2
#define LX_F_GETFL 3
#define LX_F_SETFL 4
#define LX_F_DUPFD_CLOEXEC 1030

/* File locks (fs/locks.c), memfd's seals (fs/memfd.c), /proc/<pid>/fd reopening (fs/procfs.c). */
#define LX_ENXIO 6
#define LX_EDEADLK 35
#define LX_ENOLCK 37
#define LX_EOPNOTSUPP 95
#define LX_EOVERFLOW 75
#define LX_F_GETLK 5
#define LX_F_SETLK 6
#define LX_F_SETLKW 7
#define LX_F_OFD_GETLK 36
#define LX_F_OFD_SETLK 37
#define LX_F_OFD_SETLKW 38
#define LX_F_ADD_SEALS 1033
#define LX_F_GET_SEALS 1034

#endif
