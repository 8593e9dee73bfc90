/*
 * Job control: SIGSTOP and SIGTSTP stop a process (one spinning in user space too) until SIGCONT, the
 * parent's waitpid and waitid see it stop and continue, a stop that was blocked takes effect when it is
 * let through, a SIGTSTP handler runs instead of stopping, and SIGKILL ends a stopped process. The
 * children stop in process groups of their own (SIGTSTP to an orphaned group is discarded).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned long *counter;
static volatile sig_atomic_t tstp_caught, cont_caught;

static void on_tstp(int sig) { (void)sig; tstp_caught = 1; }
static void on_cont(int sig) { (void)sig; cont_caught = 1; }

static pid_t spinner(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0); /* a group of its own whose parent is outside it: not orphaned, SIGTSTP stops it */
        for (;;)
            (*counter)++; /* no system call: only a stop that reaches user space stops it */
    }
    setpgid(pid, pid);
    while (*counter < 1000)
        usleep(1000);
    return pid;
}

int main(void)
{
    int st;

    setvbuf(stdout, NULL, _IONBF, 0);
    counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    pid_t pid = spinner();
    kill(pid, SIGSTOP);
    pid_t w = waitpid(pid, &st, WUNTRACED);
    printf("waitpid WUNTRACED: %d stopped %d by %d\n", w == pid, WIFSTOPPED(st), WSTOPSIG(st));
    unsigned long before = *counter;
    usleep(50000);
    printf("a stopped spinner does not spin: %d\n", *counter == before);
    kill(pid, SIGCONT);
    w = waitpid(pid, &st, WCONTINUED);
    printf("waitpid WCONTINUED: %d continued %d\n", w == pid, WIFCONTINUED(st));
    while (*counter == before)
        usleep(1000);
    printf("it spins again: 1\n");
    kill(pid, SIGTSTP);
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    int r = waitid(P_PID, pid, &info, WSTOPPED);
    printf("waitid WSTOPPED: %d code CLD_STOPPED %d status SIGTSTP %d\n", r, info.si_code == CLD_STOPPED,
           info.si_status == SIGTSTP);
    kill(pid, SIGKILL);
    printf("SIGKILL ends a stopped process: %d\n", waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

    /* A handled SIGTSTP does not stop; a blocked one stops when let through. */
    pid = fork();
    if (pid == 0) {
        sigset_t tstp;
        setpgid(0, 0);
        signal(SIGTSTP, on_tstp);
        raise(SIGTSTP);
        if (!tstp_caught)
            _exit(1);
        signal(SIGTSTP, SIG_DFL);
        signal(SIGCONT, on_cont);
        sigemptyset(&tstp);
        sigaddset(&tstp, SIGTSTP);
        sigprocmask(SIG_BLOCK, &tstp, NULL);
        raise(SIGTSTP);                         /* pending */
        sigprocmask(SIG_UNBLOCK, &tstp, NULL);  /* stops here */
        _exit(cont_caught ? 7 : 2);             /* continued: its SIGCONT handler ran */
    }
    printf("the unblocked stop stops it: %d\n", waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP);
    kill(pid, SIGCONT);
    waitpid(pid, &st, 0);
    printf("continued, it ends after its SIGCONT handler: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
