/*
 * What the system is: uname, sysinfo, the resource limits (getrlimit, setrlimit, prlimit64), the one CPU
 * (getcpu, sched_getaffinity, sched_setaffinity) and getrandom's bytes (kernel/random.c).
 */
#include "kernel/syscall.h"
#include <string.h>

static int64_t do_uname(struct lx_proc *p, uint64_t buf)
{
    static const char fields[6][65] = {"Linux", "proteus", LX_UNAME_RELEASE, LX_UNAME_VERSION, "x86_64", "(none)"};

    return lx_copy_out(p, buf, fields, sizeof(fields)) < 0 ? -LX_EFAULT : 0;
}


#define RLIM_INFINITY (~0ull)

void lx_rlimits_init(uint64_t rlim[LX_RLIMITS][2])
{
    for (int i = 0; i < LX_RLIMITS; i++)
        rlim[i][0] = rlim[i][1] = RLIM_INFINITY;
    rlim[3][0] = rlim[3][1] = LX_STACK_SIZE;                 /* RLIMIT_STACK: what the main stack is */
    rlim[4][0] = rlim[4][1] = 0;                             /* RLIMIT_CORE: no core dumps */
    rlim[6][0] = rlim[6][1] = LX_MAX_PROCS;                  /* RLIMIT_NPROC */
    rlim[LX_RLIMIT_NOFILE][0] = LX_NOFILE_DEFAULT, rlim[LX_RLIMIT_NOFILE][1] = LX_NOFILE_MAX;
    rlim[8][0] = rlim[8][1] = 8ull << 20;                    /* RLIMIT_MEMLOCK */
    rlim[11][0] = rlim[11][1] = LX_NSIG;                     /* RLIMIT_SIGPENDING */
    rlim[12][0] = rlim[12][1] = 819200;                      /* RLIMIT_MSGQUEUE */
    rlim[13][0] = rlim[13][1] = rlim[14][0] = rlim[14][1] = 0; /* RLIMIT_NICE, RLIMIT_RTPRIO */
}

/*
 * getrlimit, setrlimit and prlimit64 on a process (pid 0: the caller's; prlimit64 may name any, as root
 * may on Linux). Every process is root here, so a hard limit may go up, but never past what lx has
 * (RLIMIT_NOFILE above LX_NOFILE_MAX: EPERM, as Linux's past fs.nr_open).
 * Only RLIMIT_NOFILE changes what lx does; the others are kept and reported.
 */
static int64_t do_prlimit(struct lx_proc *p, uint64_t pid, uint64_t res, uint64_t unew, uint64_t uold)
{
    struct lx_proc *t = (int32_t)pid == 0 ? p : (int32_t)pid > 0 ? lx_proc_find((int)pid) : NULL;
    uint64_t want[2];

    if ((int32_t)pid < 0)
        return -LX_EINVAL;
    if (!t || t->leader->state == LX_ZOMBIE)
        return -LX_ESRCH;
    if (res >= LX_RLIMITS)
        return -LX_EINVAL;
    uint64_t *lim = t->leader->rlim[res];
    if (unew && lx_copy_in(p, want, unew, sizeof(want)) < 0)
        return -LX_EFAULT;
    if (unew && want[0] > want[1])
        return -LX_EINVAL;
    if (unew && res == LX_RLIMIT_NOFILE && want[1] > LX_NOFILE_MAX)
        return -LX_EPERM;
    if (uold && lx_copy_out(p, uold, lim, 16) < 0)
        return -LX_EFAULT;
    if (unew)
        lim[0] = want[0], lim[1] = want[1];
    return 0;
}


int64_t sys_uname(struct lx_proc *p, struct px_regs *r) { return do_uname(p, A0); }
int64_t sys_getrlimit(struct lx_proc *p, struct px_regs *r) { return do_prlimit(p, 0, A0, 0, A1); }
int64_t sys_setrlimit(struct lx_proc *p, struct px_regs *r) { return do_prlimit(p, 0, A0, A1, 0); }
int64_t sys_prlimit64(struct lx_proc *p, struct px_regs *r) { return do_prlimit(p, A0, A1, A2, A3); }

int64_t sys_sysinfo(struct lx_proc *p, struct px_regs *r)
{
    uint64_t info[14] = {0};
    uint32_t unit = 1;

    info[0] = libos_monotonic_ns() / 1000000000;            /* uptime */
    info[4] = libos_bootinfo->memory_pages * PX_PAGE_SIZE;   /* totalram: lx's pool */
    info[5] = info[4] - lx_pages_in_use() * PX_PAGE_SIZE;    /* freeram: less what processes hold */
    info[10] = lx_proc_count();                              /* procs, a u16 at offset 80 */
    memcpy((uint8_t *)info + 104, &unit, 4);                 /* mem_unit */
    return lx_copy_out(p, A0, info, 112) < 0 ? -LX_EFAULT : 0;
}

/* getrandom: up to 256 bytes a call, as Linux's minimum. */
int64_t sys_getrandom(struct lx_proc *p, struct px_regs *r)
{
    uint8_t b[256];
    uint64_t n = A1 < sizeof(b) ? A1 : sizeof(b);

    if (A2 & ~(uint64_t)7) /* GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE */
        return -LX_EINVAL;
    lx_random(b, n);
    return lx_copy_out(p, A0, b, n) < 0 ? -LX_EFAULT : (int64_t)n;
}

/*
 * rseq: lx is a kernel built without restartable sequences (Linux's CONFIG_RSEQ=n), which answers ENOSYS;
 * glibc and musl then go on without them. Answered, not counted as unimplemented.
 */
int64_t sys_rseq(struct lx_proc *p, struct px_regs *r) { return -LX_ENOSYS; }

/*
 * The CPUs: lx's processes run on one (lx's own thread serves them all), CPU 0 of NUMA node 0.
 * sched_getaffinity answers as the raw call does: the bytes of the mask written (a long's: 8).
 */
int64_t sys_getcpu(struct lx_proc *p, struct px_regs *r)
{
    uint32_t zero = 0;

    if ((A0 && lx_copy_out(p, A0, &zero, 4) < 0) || (A1 && lx_copy_out(p, A1, &zero, 4) < 0))
        return -LX_EFAULT;
    return 0;
}

/* The process a sched_*affinity pid names (0: the caller), or NULL. */
static struct lx_proc *affinity_target(struct lx_proc *p, uint64_t pid)
{
    struct lx_proc *t = (int32_t)pid == 0 ? p : (int32_t)pid > 0 ? lx_proc_find((int)pid) : NULL;

    return t && t->state != LX_ZOMBIE && t->state != LX_FREE ? t : NULL;
}

int64_t sys_sched_getaffinity(struct lx_proc *p, struct px_regs *r)
{
    uint64_t mask = 1; /* CPU 0 */

    if ((int32_t)A0 < 0)
        return -LX_EINVAL;
    if (!affinity_target(p, A0))
        return -LX_ESRCH;
    if (A1 < sizeof(mask) || A1 % sizeof(mask))
        return -LX_EINVAL; /* smaller than the kernel's mask, or not a whole number of longs */
    return lx_copy_out(p, A2, &mask, sizeof(mask)) < 0 ? -LX_EFAULT : (int64_t)sizeof(mask);
}

int64_t sys_sched_setaffinity(struct lx_proc *p, struct px_regs *r)
{
    uint64_t mask = 0;

    if ((int32_t)A0 < 0)
        return -LX_EINVAL;
    if (!affinity_target(p, A0))
        return -LX_ESRCH;
    if (lx_copy_in(p, &mask, A2, A1 < sizeof(mask) ? A1 : sizeof(mask)) < 0)
        return -LX_EFAULT;
    return mask & 1 ? 0 : -LX_EINVAL; /* a mask without CPU 0 holds no CPU lx has */
}
