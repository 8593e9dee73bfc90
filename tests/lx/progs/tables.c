/*
 * A process's tables without toy limits: RLIMIT_NOFILE raised past 4,096 and that many descriptors open
 * (the lowest free one each time, through fork and dup2, then EMFILE at the limit), and 65,536 separate
 * mappings (alternate protections, so that none can merge with its neighbour) written, read and unmapped
 * (2,048 one by one, the rest 64 to a call).
 * Natively the mappings stop short of the host's vm.max_map_count where that is lower (Linux's default is
 * 65,530); lx has no such file and must take all 65,536. Output is the same on Linux and under lx.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define FDS 4096
#define LIMIT (FDS + 104) /* the soft limit this raises RLIMIT_NOFILE to */
#define MAPS 65536

static int check(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    return ok;
}

static void descriptors(void)
{
    struct rlimit rl, big;
    int first = -1, in_order = 1, n = 0;

    check("getrlimit", getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur <= rl.rlim_max);
    big = rl;
    big.rlim_cur = rl.rlim_max + 1;
    check("soft above hard: EINVAL", rl.rlim_max == RLIM_INFINITY ||
                                         (setrlimit(RLIMIT_NOFILE, &big) < 0 && errno == EINVAL));
    big.rlim_cur = big.rlim_max = 1ull << 30;
    check("hard above the system's most: EPERM", setrlimit(RLIMIT_NOFILE, &big) < 0 && errno == EPERM);
    if (rl.rlim_max < LIMIT) { /* a host whose hard limit is low: root may raise it */
        rl.rlim_max = LIMIT;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            rl.rlim_max = 0;
    }
    if (rl.rlim_max < LIMIT) {
        printf("the hard limit is below %d here: the descriptor part cannot run\n", LIMIT);
        return;
    }
    rl.rlim_cur = LIMIT;
    check("raised", setrlimit(RLIMIT_NOFILE, &rl) == 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
                        rl.rlim_cur == LIMIT);
    for (int i = 0; i < FDS; i++) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0)
            break;
        if (first < 0)
            first = fd;
        in_order &= fd == first + i;
        n++;
    }
    check("4096 descriptors open", n == FDS);
    check("each the lowest free one", in_order);
    int mid = first + FDS / 2;
    close(mid);
    check("a closed one is the next given", open("/dev/null", O_RDONLY) == mid);
    check("FD_CLOEXEC on a high descriptor", fcntl(first + 4000, F_SETFD, FD_CLOEXEC) == 0 &&
                                                 fcntl(first + 4000, F_GETFD) == FD_CLOEXEC &&
                                                 fcntl(first + 3999, F_GETFD) == 0);
    check("dup2 below the limit", dup2(first, LIMIT - 1) == LIMIT - 1);
    check("dup2 at the limit: EBADF", dup2(first, LIMIT) < 0 && errno == EBADF);
    check("F_DUPFD at the limit: EINVAL", fcntl(first, F_DUPFD, LIMIT) < 0 && errno == EINVAL);
    int more = 0, fd;
    while ((fd = open("/dev/null", O_RDONLY)) >= 0)
        more++;
    check("then EMFILE", errno == EMFILE && more == LIMIT - 1 - (first + FDS));
    struct pollfd *pf = calloc(LIMIT + 1, sizeof(*pf));
    for (int i = 0; pf && i <= LIMIT; i++)
        pf[i] = (struct pollfd){i < FDS ? first + i : first, POLLIN, 0};
    check("poll on 4096 descriptors", pf && poll(pf, FDS, 0) == FDS && pf[FDS - 1].revents == POLLIN);
    check("poll on more than RLIMIT_NOFILE: EINVAL", pf && poll(pf, LIMIT + 1, 0) < 0 && errno == EINVAL);
    free(pf);
    uint64_t bits[LIMIT / 64 + 1] = {0};
    bits[(first + 4000) / 64] = 1ull << ((first + 4000) % 64);
    struct timeval zero = {0, 0};
    check("select past 1024", syscall(SYS_select, LIMIT, bits, NULL, NULL, &zero) == 1 &&
                                  bits[(first + 4000) / 64] == 1ull << ((first + 4000) % 64));
    pid_t c = fork();
    if (c == 0) /* the child has every descriptor, FD_CLOEXEC too */
        _exit(fcntl(first + 4095, F_GETFD) == 0 && fcntl(first + 4000, F_GETFD) == FD_CLOEXEC &&
                      fcntl(LIMIT - 1, F_GETFD) == 0 ? 0 : 1);
    int st;
    check("a fork has them all", c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    rl.rlim_cur = 64;
    check("lowered below what is open", setrlimit(RLIMIT_NOFILE, &rl) == 0);
    check("no new one past it: EMFILE", dup(first) < 0 && errno == EMFILE);
    check("the open ones still work", fcntl(LIMIT - 1, F_GETFD) == 0);
    int closed = 1;
    for (int i = first; i < LIMIT; i++)
        closed &= close(i) == 0;
    check("all closed", closed && fcntl(first, F_GETFD) < 0 && errno == EBADF);
}

static void mappings(void)
{
    static char *at[MAPS];
    long page = sysconf(_SC_PAGESIZE), n = MAPS, max = 0;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");

    if (f && fscanf(f, "%ld", &max) == 1 && max - 256 < n)
        n = max - 256; /* the host's limit, less room for the program's own mappings */
    if (f)
        fclose(f);
    long made = 0;
    for (; made < n; made++) {
        at[made] = mmap(NULL, page, made % 2 ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (at[made] == MAP_FAILED)
            break;
        if (made % 2 == 0)
            *(long *)at[made] = made;
    }
    check("65536 mappings (or the host's most)", made == n);
    int good = 1;
    for (long i = 0; i < made; i++)
        good &= *(long *)at[i] == (i % 2 ? 0 : i);
    check("each holds what was written", good);
    check("mprotect one among them", mprotect(at[n / 2 + 1], page, PROT_READ | PROT_WRITE) == 0 &&
                                         (*(long *)at[n / 2 + 1] = 7) == 7);
    int unmapped = 1;
    long i = 0;
    for (; i < made && i < 2048; i++) /* one by one */
        unmapped &= munmap(at[i], page) == 0;
    for (; i < made; i += 64) { /* then 64 at a time where they lie side by side (top down, as usual) */
        long k = made - i < 64 ? made - i : 64;
        if (at[i + k - 1] == at[i] - (k - 1) * page) {
            unmapped &= munmap(at[i + k - 1], k * page) == 0;
            continue;
        }
        for (long j = i; j < i + k; j++)
            unmapped &= munmap(at[j], page) == 0;
    }
    check("each unmapped", unmapped);
    char *again = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("mapping still works", again != MAP_FAILED && again[0] == 0 && munmap(again, page) == 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    descriptors();
    mappings();
    return 0;
}
