/*
 * The program's standard streams from and to the host (tools/proteus lx), over the stdio server
 * (abi/proteus/io/stdio.h): the arguments, environment and which descriptors are the terminal, then
 * stdin, stdout and stderr as byte streams that are not a terminal.
 */
#ifndef LX_HOSTIO_H
#define LX_HOSTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether the system was started with lx.hostio (tools/lx.py) and has the stdio channels. */
bool lx_hostio_active(void);

/*
 * At start, before anything else reads stdin: wait for the host's arguments and environment. argv and
 * envp are NULL-terminated arrays (malloc'd), *terminal has bit fd set for each of 0, 1, 2 that is lx's
 * terminal rather than a host stream. False with a message in err if the host sent nothing usable.
 */
bool lx_hostio_start(char ***argv, char ***envp, unsigned *terminal, char *err, size_t errlen);

/* From now on signal `notification` (a badged cap of lx's) whenever the server moved a ring. */
bool lx_hostio_notify(uint32_t notification, unsigned prio);

/* Bytes of stdin: how many were copied (0 and *eof set at its end; 0 and !*eof: none yet, wait). */
size_t lx_hostio_read(void *buf, size_t len, bool *eof);
/* Bytes available to read now, and whether a read would not wait (data or end of file). */
size_t lx_hostio_readable(bool *ready);
/* Bytes to stdout (fd 1) or stderr (fd 2): how many fit now (0: the ring is full, wait). */
size_t lx_hostio_write(int fd, const void *buf, size_t len);
/* Room to write now. */
size_t lx_hostio_writable(int fd);
/* An open file description for descriptor fd (0, 1 or 2) of the first process: the host's stream. */
struct lx_fd *lx_hostio_file(int fd);
/* Wait until the server has sent everything written so far to the host (before the system ends). */
void lx_hostio_flush(void);

#endif
