/*
 * The FPU and SSE state across a signal handler: the interrupted code's xmm registers and rounding mode
 * come back at sigreturn whatever the handler did, and the handler starts with the default state.
 */
#include <fenv.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int handler_round, handler_ran;
static volatile double handler_result;

static void handler(int sig)
{
    volatile double x = 1.0, y = 3.0;

    (void)sig;
    handler_round = fegetround() == FE_TONEAREST;
    fesetround(FE_UPWARD);
    __asm__ volatile("pcmpeqd %%xmm0, %%xmm0; pcmpeqd %%xmm7, %%xmm7; pxor %%xmm15, %%xmm15" ::: "xmm0", "xmm7", "xmm15");
    handler_result = x / y;
    handler_ran = 1;
}

int main(void)
{
    static const uint64_t a[2] = {0x1111222233334444ull, 0x5555666677778888ull},
                          b[2] = {0x9999aaaabbbbccccull, 0xddddeeeeffff0000ull};
    uint64_t x0[2], x7[2], x15[2];
    long nr = SYS_kill, pid = getpid(), sig = SIGUSR1;

    signal(SIGUSR1, handler);
    fesetround(FE_DOWNWARD);
    /* xmm0, xmm7 and xmm15 hold patterns while a kill to ourselves delivers the signal on the way back. */
    __asm__ volatile("movdqu %4, %%xmm0; movdqu %5, %%xmm7; movdqu %4, %%xmm15\n\t"
                     "syscall\n\t"
                     "movdqu %%xmm0, %0; movdqu %%xmm7, %1; movdqu %%xmm15, %2"
                     : "=m"(x0), "=m"(x7), "=m"(x15), "+a"(nr)
                     : "m"(a), "m"(b), "D"(pid), "S"(sig)
                     : "rcx", "r11", "xmm0", "xmm7", "xmm15", "memory");
    int round_after = fegetround() == FE_DOWNWARD;
    fesetround(FE_TONEAREST);
    printf("kill returned %ld, handler ran %d\n", nr, handler_ran);
    printf("handler started with round-to-nearest: %d\n", handler_round);
    printf("xmm0 xmm7 xmm15 kept: %d %d %d\n", memcmp(x0, a, 16) == 0, memcmp(x7, b, 16) == 0,
           memcmp(x15, a, 16) == 0);
    printf("rounding mode kept: %d\n", round_after);
    volatile double one = 1.0, three = 3.0;
    printf("handler's division rounded up: %d\n", handler_result > one / three); /* above the nearest */
    return 0;
}
