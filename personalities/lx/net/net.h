/*
 * Sockets (net/): the system calls of man 2 socket and its neighbours (net/socket.c), which copy the
 * process's arguments (addresses, message headers, control messages) in and out, and the families
 * behind them; lx has one, AF_UNIX (net/unix.c, man 7 unix). A socket is an open file description
 * whose operations are lx_unix_ops and whose priv is the family's socket.
 */
#ifndef LX_NET_NET_H
#define LX_NET_NET_H

#include "kernel/syscall.h"

#define AF_UNSPEC_ 0
#define AF_UNIX_ 1
#define AF_MAX_ 46 /* families Linux numbers: beyond is EAFNOSUPPORT as any family lx lacks */
#define SOCK_STREAM_ 1
#define SOCK_DGRAM_ 2
#define SOCK_RAW_ 3
#define SOCK_SEQPACKET_ 5
#define SOCK_TYPE_MASK_ 0xf
#define SOCK_MAX_ 10

#define MSG_OOB_ 0x1
#define MSG_PEEK_ 0x2
#define MSG_CTRUNC_ 0x8
#define MSG_TRUNC_ 0x20
#define MSG_DONTWAIT_ 0x40
#define MSG_WAITALL_ 0x100
#define MSG_NOSIGNAL_ 0x4000
#define MSG_CMSG_CLOEXEC_ 0x40000000

#define SOL_SOCKET_ 1
#define SCM_RIGHTS_ 1
#define SCM_CREDENTIALS_ 2
#define SCM_MAX_FD_ 253
#define UNIX_PATH_MAX_ 108
#define LX_S_IFSOCK 0140000

/* struct ucred (SO_PEERCRED, SCM_CREDENTIALS) */
struct lx_ucred {
    int32_t pid;
    uint32_t uid, gid;
};

/* struct sockaddr_un */
struct lx_sockaddr_un {
    uint16_t family;
    char path[UNIX_PATH_MAX_];
};

/* A message sent or received, in lx's memory. */
struct lx_msg {
    uint8_t *data;
    uint64_t len;                 /* send: the bytes; receive: the room */
    struct lx_fd **fds;           /* SCM_RIGHTS: references to pass, or passed (the caller's to install) */
    unsigned nfds;
    bool cred_given;              /* send: SCM_CREDENTIALS given; receive: cred is the sender's */
    struct lx_ucred cred;
    struct lx_sockaddr_un addr;   /* send: where to (addrlen 0: the peer); receive: from whom (0: unnamed) */
    unsigned addrlen;
    int flags;                    /* MSG_* asked */
    int out_flags;                /* receive: MSG_TRUNC, MSG_CTRUNC as they happened */
};

/* net/unix.c: AF_UNIX (results 0, a count, -LX_E* or LX_WOULD_BLOCK). */
extern const struct lx_file_ops lx_unix_ops;
int lx_unix_create(struct lx_proc *p, int type, int flags, struct lx_fd **out);
int lx_unix_pair(struct lx_proc *p, int type, int flags, struct lx_fd *out[2]);
int lx_unix_bind(struct lx_proc *p, struct lx_fd *f, const struct lx_sockaddr_un *a, unsigned len);
int lx_unix_listen(struct lx_proc *p, struct lx_fd *f, int backlog);
int lx_unix_connect(struct lx_proc *p, struct lx_fd *f, const struct lx_sockaddr_un *a, unsigned len);
/* A connection from f's queue as a new description with flags; the peer's address into a. */
int lx_unix_accept(struct lx_proc *p, struct lx_fd *f, int flags, struct lx_fd **out, struct lx_sockaddr_un *a,
                   unsigned *alen);
int64_t lx_unix_send(struct lx_proc *p, struct lx_fd *f, struct lx_msg *m); /* takes m's fds on success */
int64_t lx_unix_recv(struct lx_proc *p, struct lx_fd *f, struct lx_msg *m);
int lx_unix_shutdown(struct lx_fd *f, int how);
int lx_unix_name(struct lx_fd *f, bool peer, struct lx_sockaddr_un *a, unsigned *alen);
/* SOL_SOCKET options: a value of *len bytes (at most 16) into val; -LX_ENOPROTOOPT for one lx lacks. */
int lx_unix_getopt(struct lx_fd *f, int opt, void *val, unsigned *len);
int lx_unix_setopt(struct lx_fd *f, int opt, const void *val, unsigned len);
uint64_t lx_unix_timeout(struct lx_fd *f, bool send); /* SO_SNDTIMEO, SO_RCVTIMEO (ns; 0 none) */
bool lx_unix_passcred(struct lx_fd *f);

#endif
