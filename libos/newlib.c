/*
 * Newlib's system interface on the Proteus ABI. stdout and stderr go to the debug console when the task
 * has the debug cap (EBADF otherwise), the heap is the region the link script reserves (task.ld), time
 * comes from the shared info page, and every call that needs a service the task does not have (files,
 * processes, console input: those are servers' and personalities' business) fails with ENOSYS rather
 * than pretending. Newlib for x86_64-elf calls these under their plain names (write, sbrk, ...).
 */
#include <errno.h>
#include <libos/libos.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <unistd.h>

extern char __heap_start[], __heap_end[];
static char *heap_break = __heap_start;

static int fail(int e)
{
    errno = e;
    return -1;
}

static int is_console(int fd) { return fd >= 0 && fd <= 2; }

void _exit(int status) { px_task_exit(status); }

int write(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    size_t done = 0;

    if (fd != 1 && fd != 2)
        return fail(EBADF);
    if (libos_console_attached())
        return (int)libos_console_write(buf, len);
    if (!libos_bootinfo->cap_debug)
        return fail(EBADF);
    while (done < len) {
        uint64_t n, chunk = len - done > 4096 ? 4096 : len - done;
        if (px_debug_write(libos_bootinfo->cap_debug, p + done, chunk, &n) != PX_OK)
            return done ? (int)done : fail(EFAULT);
        done += n;
    }
    return (int)done;
}

int read(int fd, void *buf, size_t len)
{
    if (!is_console(fd))
        return fail(EBADF);
    if (fd != 0 || !libos_console_attached())
        return fail(ENOSYS); /* no console input without a console */
    return (int)libos_console_read(buf, len);
}

void *sbrk(ptrdiff_t incr)
{
    char *old = heap_break;

    if (incr > __heap_end - heap_break || incr < __heap_start - heap_break) {
        errno = ENOMEM;
        return (void *)-1;
    }
    heap_break += incr;
    return old;
}

int close(int fd) { return is_console(fd) ? 0 : fail(EBADF); }

int fstat(int fd, struct stat *st)
{
    if (!is_console(fd))
        return fail(EBADF);
    *st = (struct stat){.st_mode = S_IFCHR | 0620};
    return 0;
}

int isatty(int fd)
{
    if (is_console(fd))
        return 1;
    errno = EBADF;
    return 0;
}

off_t lseek(int fd, off_t off, int whence)
{
    (void)off, (void)whence;
    return fail(is_console(fd) ? ESPIPE : EBADF);
}

int getpid(void) { return 1; }

/* Calls that need services a plain task does not have (files and processes belong to servers). */
int kill(int pid, int sig)
{
    (void)pid, (void)sig;
    return fail(ENOSYS);
}
int open(const char *path, int flags, ...)
{
    (void)path, (void)flags;
    return fail(ENOSYS);
}
int link(const char *old, const char *new)
{
    (void)old, (void)new;
    return fail(ENOSYS);
}
int unlink(const char *path)
{
    (void)path;
    return fail(ENOSYS);
}
int fork(void) { return fail(ENOSYS); }
int execve(const char *path, char *const argv[], char *const envp[])
{
    (void)path, (void)argv, (void)envp;
    return fail(ENOSYS);
}
int wait(int *status)
{
    (void)status;
    return fail(ENOSYS);
}
clock_t times(struct tms *buf)
{
    (void)buf;
    return (clock_t)fail(ENOSYS);
}

int gettimeofday(struct timeval *tv, void *tz)
{
    int64_t ns = libos_wallclock_ns();

    (void)tz;
    if (tv) {
        tv->tv_sec = ns / 1000000000;
        tv->tv_usec = (ns % 1000000000) / 1000;
    }
    return 0;
}

/* The PV clock (abi/proteus/time.h): retry while the kernel is updating the page. */
uint64_t libos_monotonic_ns(void)
{
    const volatile struct px_shared_info *si = libos_shared_info();
    uint32_t seq, lo, hi;
    uint64_t ns;

    do {
        seq = si->seq;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
        uint64_t delta = (((uint64_t)hi << 32) | lo) - si->tsc_base;
        ns = si->mono_base_ns + (uint64_t)(((unsigned __int128)delta * si->tsc_mul) >> si->tsc_shift);
        __asm__ volatile("" ::: "memory");
    } while ((seq & 1) || seq != si->seq);
    return ns;
}

bool libos_kernel_tick(uint64_t *last_ns, uint64_t *period_ns)
{
    const volatile struct px_shared_info *si = libos_shared_info();
    uint64_t period = si->tick_ns, base = si->tick_base_ns, now = libos_monotonic_ns();

    if (!period)
        return false;
    *last_ns = now > base ? base + (now - base) / period * period : base;
    *period_ns = period;
    return true;
}

void libos_sleep_ns(uint64_t ns)
{
    static uint32_t ntfn, timer; /* one sleeper at a time: the main thread's */
    uint64_t bits;

    if (!timer) {
        uint32_t n = libos_slot_alloc(), t = libos_slot_alloc();
        if (!n || !t || px_notification_create(n) != PX_OK || px_timer_create(t, n, 1) != PX_OK)
            return;
        ntfn = n, timer = t;
    }
    px_timer_set(timer, libos_monotonic_ns() + ns, 0);
    px_wait(ntfn, &bits);
}

int64_t libos_wallclock_ns(void)
{
    return (int64_t)libos_monotonic_ns() + libos_shared_info()->wall_offset_ns;
}
