/*
 * The alternate signal stack: sigaltstack's settings and errors, an SA_ONSTACK handler running on it
 * (and one without SA_ONSTACK not), no change while on it, and the classic use: a handler for the
 * SIGSEGV of a stack overflow, which can only run on another stack, jumping back out.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALT_SIZE (64 * 1024)

static char *alt;
static volatile int on_alt, flags_inside, change_inside;
static sigjmp_buf back;

static int within_alt(const void *p)
{
    return (const char *)p >= alt && (const char *)p < alt + ALT_SIZE;
}

static void handler(int sig)
{
    stack_t now, other = {.ss_sp = alt, .ss_size = ALT_SIZE};
    int local;

    (void)sig;
    on_alt = within_alt(&local);
    sigaltstack(NULL, &now);
    flags_inside = now.ss_flags;
    change_inside = sigaltstack(&other, NULL) == -1 ? errno : 0;
}

static void overflow_handler(int sig)
{
    int local;

    on_alt = within_alt(&local);
    siglongjmp(back, sig);
}

static int recurse(int n)
{
    volatile char pad[1024];

    pad[0] = (char)n;
    return n < (1 << 30) ? recurse(n + 1) + pad[0] : 0; /* ends in SIGSEGV long before */
}

int main(void)
{
    stack_t ss, old;
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    printf("none at first: %d\n", sigaltstack(NULL, &old) == 0 && old.ss_flags == SS_DISABLE);
    alt = malloc(ALT_SIZE);
    ss = (stack_t){.ss_sp = alt, .ss_size = 1024};
    int r = sigaltstack(&ss, NULL);
    printf("too small: %d ENOMEM %d\n", r, errno == ENOMEM);
    ss = (stack_t){.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 12345};
    r = sigaltstack(&ss, NULL);
    printf("bad flags: %d EINVAL %d\n", r, errno == EINVAL);
    ss = (stack_t){.ss_sp = alt, .ss_size = ALT_SIZE};
    printf("set: %d\n", sigaltstack(&ss, NULL));
    printf("read back: %d\n", sigaltstack(NULL, &old) == 0 && old.ss_sp == alt && old.ss_size == ALT_SIZE && old.ss_flags == 0);

    sa.sa_handler = handler;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("SA_ONSTACK handler on the alternate stack: %d, told SS_ONSTACK %d, change refused EPERM %d\n", on_alt,
           flags_inside == SS_ONSTACK, change_inside == EPERM);
    sa.sa_flags = 0;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("handler without SA_ONSTACK on the alternate stack: %d, change allowed %d\n", on_alt, change_inside == 0);

    sa.sa_handler = overflow_handler;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    int sig = sigsetjmp(back, 1);
    if (sig == 0)
        recurse(0);
    printf("stack overflow caught: signal %d, on the alternate stack %d\n", sig, on_alt);

    ss.ss_flags = SS_DISABLE;
    r = sigaltstack(&ss, NULL);
    printf("disable: %d, then %d\n", r, sigaltstack(NULL, &old) == 0 && old.ss_flags == SS_DISABLE);
    return 0;
}
