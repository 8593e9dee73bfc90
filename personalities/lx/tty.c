/*
 * The console as a Linux terminal. The console server hands lx raw bytes and echoes nothing, so lx keeps
 * the termios state and is the line discipline: in canonical mode (ICANON) a read returns a line, edited
 * with erase and kill and echoed when ECHO is set; otherwise bytes go to the program as they come (a
 * shell's line editor does its own echo). A console read waits for input with lx stopped: other
 * processes wait with it in this version.
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
#define ICRNL 0x100
#define ISIG 0x1
#define ICANON 0x2
#define ECHO 0x8
#define VERASE 2
#define VKILL 3
#define VEOF 4

struct termios {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line, cc[19];
};

static struct termios tio = {
    ICRNL, 0x5 /* OPOST | ONLCR */, 0xbf /* B38400 | CS8 | CREAD */, 0x8a3b /* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL IEXTEN */,
    0, {3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0, 0, 0},
};
static uint16_t winsize[4] = {24, 80, 0, 0};
static int foreground;
static uint8_t line[4096];
static size_t line_len, line_ready; /* a finished line waiting to be read, in canonical mode */

static uint8_t get_byte(void)
{
    uint8_t c;

    libos_console_read(&c, 1);
    if (c == '\r' && (tio.iflag & ICRNL))
        c = '\n';
    return c;
}

size_t lx_tty_read(uint8_t *buf, size_t len)
{
    if (!(tio.lflag & ICANON)) {
        size_t n = libos_console_read(buf, len);
        for (size_t i = 0; i < n; i++)
            if (buf[i] == '\r' && (tio.iflag & ICRNL))
                buf[i] = '\n';
        return n;
    }
    while (!line_ready) {
        uint8_t c = get_byte();
        if (c == tio.cc[VERASE] || c == '\b') {
            if (line_len && (tio.lflag & ECHO))
                libos_console_write("\b \b", 3);
            line_len -= line_len > 0;
        } else if (c == tio.cc[VKILL]) {
            for (; line_len; line_len--)
                if (tio.lflag & ECHO)
                    libos_console_write("\b \b", 3);
        } else if (c == tio.cc[VEOF]) {
            line_ready = line_len ? line_len : (size_t)-1; /* at the start of a line: end of file */
        } else if (line_len < sizeof(line)) {
            line[line_len++] = c;
            if (tio.lflag & ECHO)
                libos_console_write(&c, 1);
            if (c == '\n')
                line_ready = line_len;
        }
    }
    if (line_ready == (size_t)-1) {
        line_ready = line_len = 0;
        return 0;
    }
    size_t n = len < line_ready ? len : line_ready;
    memcpy(buf, line, n);
    memmove(line, line + n, line_len - n);
    line_len -= n, line_ready -= n;
    return n;
}

int64_t lx_tty_ioctl(struct lx_proc *p, uint64_t cmd, uint64_t arg)
{
    switch (cmd) {
    case TCGETS: return lx_copy_out(p, arg, &tio, sizeof(tio)) < 0 ? -LX_EFAULT : 0;
    case TCSETS: case TCSETSW: case TCSETSF: {
        struct termios t;
        if (lx_copy_in(p, &t, arg, sizeof(t)) < 0)
            return -LX_EFAULT;
        tio = t;
        if (cmd == TCSETSF)
            line_len = line_ready = 0;
        return 0;
    }
    case TIOCGWINSZ: return lx_copy_out(p, arg, winsize, sizeof(winsize)) < 0 ? -LX_EFAULT : 0;
    case TIOCSWINSZ: return lx_copy_in(p, winsize, arg, sizeof(winsize)) < 0 ? -LX_EFAULT : 0;
    case TIOCGPGRP: {
        int32_t g = foreground ? foreground : p->pid;
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
