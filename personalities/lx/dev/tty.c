/*
 * The console as a Linux terminal. The console server hands lx raw bytes and echoes nothing, so lx keeps
 * the termios state and is the line discipline. Input is taken as it arrives (a thread of lx's signals
 * its notification, main.c calls lx_tty_input): Ctrl-C, Ctrl-\ and Ctrl-Z send SIGINT, SIGQUIT and
 * SIGTSTP to the foreground process group at once (ISIG). Other bytes wait until a program reads or
 * polls the console and are cooked then, in the mode it has set (cook_typed): in canonical mode
 * (ICANON) a line is edited with erase and kill, echoed when ECHO is set, and becomes readable at its
 * end; otherwise bytes are readable as they come (a shell's line editor does its own echo). A read with
 * nothing to read blocks like a pipe's.
 */
#include "lx.h"
#include <string.h>

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGPGRP 0x540f
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541b
#define ICRNL 0x100
#define ISIG 0x1
#define ICANON 0x2
#define ECHO 0x8
#define ECHOCTL 0x200
#define NOFLSH 0x80
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VSUSP 10

struct termios {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line, cc[19];
};

static struct termios tio = {
    ICRNL, 0x5 /* OPOST | ONLCR */, 0xbf /* B38400 | CS8 | CREAD */, 0x8a3b /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL IEXTEN */,
    0, {3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0, 0, 0},
};
static uint16_t winsize[4] = {24, 80, 0, 0};
static int foreground = 1; /* the first process's group until a shell sets it */
static uint8_t typed[4096]; /* input not yet cooked */
static size_t typed_len;
static uint8_t line[4096];  /* the line being edited (canonical mode) */
static size_t line_len;
static uint8_t queue[4096]; /* what a read gets */
static size_t queue_len;
static bool eof;            /* Ctrl-D at the start of a line: the next read that finds nothing returns 0 */

static void echo(const void *s, size_t n)
{
    if (tio.lflag & ECHO)
        libos_console_write(s, n);
}

static void readable(const uint8_t *b, size_t n)
{
    if (n > sizeof(queue) - queue_len)
        n = sizeof(queue) - queue_len; /* a full queue drops input, as Linux's does */
    memcpy(queue + queue_len, b, n);
    queue_len += n;
    lx_wake_pending = true;
}

static void signal_foreground(int sig)
{
    for (unsigned i = 0; i < lx_proc_slots(); i++) {
        struct lx_proc *q = lx_proc_at(i);
        if (q->leader == q && q->state != LX_FREE && q->state != LX_ZOMBIE && q->pgid == foreground)
            lx_signal_send(q, sig);
    }
}

/* A typed byte taken in the current mode: edited into the line and echoed, or readable at once. True
 * when it made something readable (a byte, a line or the end of file). */
static bool cook(uint8_t c)
{
    if (c == '\r' && (tio.iflag & ICRNL))
        c = '\n';
    if (!(tio.lflag & ICANON)) {
        echo(&c, 1);
        readable(&c, 1);
        return true;
    }
    if (c == tio.cc[VERASE] || c == '\b') {
        if (line_len)
            echo("\b \b", 3);
        line_len -= line_len > 0;
    } else if (c == tio.cc[VKILL]) {
        for (; line_len; line_len--)
            echo("\b \b", 3);
    } else if (c == tio.cc[VEOF]) {
        eof = !line_len;
        readable(line, line_len);
        line_len = 0;
        return true;
    } else if (line_len < sizeof(line)) {
        line[line_len++] = c;
        echo(&c, 1);
        if (c == '\n') {
            readable(line, line_len);
            line_len = 0;
            return true;
        }
    }
    return false;
}

/*
 * Typed bytes are cooked when a program looks for input, as much as it asks for (a line in canonical
 * mode, want bytes otherwise) and in the mode it has set then: typing ahead of a shell that switches
 * between its line editor and `read` works as on Linux. Until then they wait raw.
 */
static void cook_typed(size_t want)
{
    size_t i = 0;

    while (i < typed_len && queue_len < sizeof(queue) && !eof &&
           ((tio.lflag & ICANON) ? !queue_len : queue_len < want))
        cook(typed[i++]);
    memmove(typed, typed + i, typed_len - i);
    typed_len -= i;
}

void lx_tty_input(void)
{
    uint8_t buf[256];
    size_t n;

    while ((n = libos_console_read_nowait(buf, sizeof(buf))))
        for (size_t i = 0; i < n; i++) {
            uint8_t c = buf[i];
            if ((tio.lflag & ISIG) && (c == tio.cc[VINTR] || c == tio.cc[VQUIT] || c == tio.cc[VSUSP])) { /* at once */
                if (tio.lflag & ECHOCTL)
                    echo((uint8_t[]){'^', (uint8_t)(c + '@')}, 2);
                if (!(tio.lflag & NOFLSH))
                    typed_len = line_len = queue_len = 0;
                signal_foreground(c == tio.cc[VINTR] ? LX_SIGINT : c == tio.cc[VQUIT] ? LX_SIGQUIT : LX_SIGTSTP);
            } else if (typed_len < sizeof(typed)) {
                typed[typed_len++] = c;
            }
        }
    lx_wake_pending = true;
}

bool lx_tty_foreground(const struct lx_proc *p) { return p->leader->pgid == foreground; }

bool lx_tty_readable(void)
{
    cook_typed(1);
    return queue_len || eof;
}

int64_t lx_tty_read(uint8_t *buf, size_t len, bool nonblock)
{
    cook_typed(len);
    size_t n = len < queue_len ? len : queue_len;

    if (!queue_len) {
        if (!eof)
            return nonblock ? -LX_EAGAIN : LX_WOULD_BLOCK;
        eof = false;
        return 0;
    }
    if (tio.lflag & ICANON) { /* one line at a time */
        uint8_t *nl = memchr(queue, '\n', n);
        if (nl)
            n = (size_t)(nl - queue) + 1;
    }
    memcpy(buf, queue, n);
    memmove(queue, queue + n, queue_len - n);
    queue_len -= n;
    return (int64_t)n;
}

int64_t lx_tty_ioctl(struct lx_proc *p, uint64_t cmd, uint64_t arg)
{
    switch (cmd) {
    case TCGETS: return lx_copy_out(p, arg, &tio, sizeof(tio)) < 0 ? -LX_EFAULT : 0;
    case TCSETS: case TCSETSW: case TCSETSF: {
        struct termios t;
        if (lx_copy_in(p, &t, arg, sizeof(t)) < 0)
            return -LX_EFAULT;
        if ((tio.lflag & ICANON) && !(t.lflag & ICANON)) { /* the line so far becomes readable */
            readable(line, line_len);
            line_len = 0;
        }
        tio = t;
        if (cmd == TCSETSF)
            line_len = queue_len = 0;
        return 0;
    }
    case TIOCGWINSZ: return lx_copy_out(p, arg, winsize, sizeof(winsize)) < 0 ? -LX_EFAULT : 0;
    case TIOCSWINSZ: return lx_copy_in(p, winsize, arg, sizeof(winsize)) < 0 ? -LX_EFAULT : 0;
    case FIONREAD: {
        int32_t n = (int32_t)queue_len;
        return lx_copy_out(p, arg, &n, 4) < 0 ? -LX_EFAULT : 0;
    }
    case TIOCGPGRP: {
        int32_t g = foreground;
        return lx_copy_out(p, arg, &g, 4) < 0 ? -LX_EFAULT : 0;
    }
    case TIOCSPGRP: {
        int32_t g;
        if (lx_copy_in(p, &g, arg, 4) < 0)
            return -LX_EFAULT;
        if (g <= 0)
            return -LX_EINVAL;
        foreground = g;
        return 0;
    }
    default: return -LX_ENOTTY;
    }
}

/* The console as an open file. A background job reading the terminal stops its group with SIGTTIN. */
static int64_t console_read(struct lx_fd *f, struct lx_proc *p, uint8_t *buf, uint64_t len, uint64_t *off)
{
    if (!lx_tty_foreground(p)) {
        if (!lx_signal_stops_reader(p))
            return -LX_EIO;
        for (unsigned i = 0; i < lx_proc_slots(); i++) {
            struct lx_proc *q = lx_proc_at(i);
            if (q->leader == q && q->state != LX_FREE && q->state != LX_ZOMBIE && q->pgid == p->leader->pgid)
                lx_signal_send(q, LX_SIGTTIN);
        }
        return LX_WOULD_BLOCK; /* read again when it is continued (in the foreground, it reads) */
    }
    return lx_tty_read(buf, len, f->flags & LX_O_NONBLOCK);
}

static int64_t console_write(struct lx_fd *f, struct lx_proc *p, const uint8_t *buf, uint64_t len, uint64_t *off)
{
    libos_console_write(buf, (size_t)len);
    return (int64_t)len;
}

static int16_t console_poll(struct lx_fd *f) { return (int16_t)((lx_tty_readable() ? LX_POLLIN : 0) | LX_POLLOUT); }

static int64_t console_ioctl(struct lx_fd *f, struct lx_proc *p, uint64_t cmd, uint64_t arg)
{
    return lx_tty_ioctl(p, cmd, arg);
}

const struct lx_file_ops lx_console_ops = {.read = console_read, .write = console_write, .poll = console_poll,
                                           .ioctl = console_ioctl};
