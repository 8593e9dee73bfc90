/*
 * Threads (clone with CLONE_THREAD, futexes): mutexes, condition variables and timed waits, thread-local
 * storage and ids, a signal to one thread, a thread blocked in a read while others run, and what a
 * thread does to its process: fork, exit, a fault, execve, and the main thread's pthread_exit.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKERS 4
#define ITEMS 200

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static __thread long mine;
static int queue[ITEMS], head, tail;
static volatile pid_t signalled_tid;
static int pipefd[2];

static long tid(void) { return syscall(SYS_gettid); }

static void *count(void *arg)
{
    mine = (long)arg;
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    return (void *)(mine * 10 + (getpid() == getpid() && tid() != getpid()));
}

static void *consume(void *arg)
{
    long sum = 0;

    (void)arg;
    for (int n = 0; n < ITEMS; n++) {
        pthread_mutex_lock(&mu);
        while (head == tail)
            pthread_cond_wait(&cv, &mu);
        sum += queue[head++ % ITEMS];
        pthread_mutex_unlock(&mu);
    }
    return (void *)sum;
}

static void on_usr1(int sig)
{
    (void)sig;
    signalled_tid = (pid_t)tid();
}

static void *wait_for_signal(void *arg)
{
    *(volatile long *)arg = tid();
    while (!signalled_tid)
        usleep(1000);
    return NULL;
}

static void *reader(void *arg)
{
    char buf[16] = {0};

    (void)arg;
    return (void *)(long)(read(pipefd[0], buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0);
}

static void *exit_7(void *arg)
{
    (void)arg;
    exit(7);
}

static void *fault(void *arg)
{
    volatile int *volatile nowhere = (int *)arg; /* NULL */

    *nowhere = 1;
    return NULL;
}

static void *exec_sh(void *arg)
{
    (void)arg;
    execl("/bin/sh", "sh", "-c", "echo exec from a thread; exit 3", (char *)NULL);
    return NULL;
}

static void *outlive_main(void *arg)
{
    (void)arg;
    usleep(20000);
    printf("the last thread ran on after main's pthread_exit\n");
    fflush(stdout);
    exit(0); /* what glibc does when the last thread returns; musl's fork child would wait on */
}

static int waiting;

static void *sleeper(void *arg)
{
    pthread_mutex_lock(&mu);
    waiting++;
    while (!*(volatile int *)arg)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    return NULL;
}

/* In a child process: start fn in a thread and wait; the parent reports how the child ended. */
static void in_child(const char *what, void *(*fn)(void *), int main_exits)
{
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, fn, NULL);
        if (main_exits)
            pthread_exit(NULL);
        pause();
        _exit(99);
    }
    int st;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st))
        printf("%s: exit status %d\n", what, WEXITSTATUS(st));
    else
        printf("%s: signal %d\n", what, WTERMSIG(st));
}

int main(void)
{
    pthread_t t[WORKERS], c;
    void *ret;
    long sum = 0;

    setvbuf(stdout, NULL, _IONBF, 0);
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, count, (void *)(i + 1));
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(t[i], &ret);
        sum += (long)ret;
    }
    printf("mutex counter %ld; each thread its own TLS and id: %ld\n", counter, sum);

    pthread_create(&c, NULL, consume, NULL);
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&mu);
        queue[tail++ % ITEMS] = i;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&mu);
    }
    pthread_join(c, &ret);
    printf("condition variable queue sum %ld\n", (long)ret);

    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 50000000;
    if (until.tv_nsec >= 1000000000)
        until.tv_sec++, until.tv_nsec -= 1000000000;
    pthread_mutex_lock(&mu);
    int r = pthread_cond_timedwait(&cv, &mu, &until);
    pthread_mutex_unlock(&mu);
    printf("timed wait times out: %d\n", r == ETIMEDOUT);

    volatile long target = 0;
    signal(SIGUSR1, on_usr1);
    pthread_create(&c, NULL, wait_for_signal, (void *)&target);
    while (!target)
        usleep(1000);
    pthread_kill(c, SIGUSR1);
    pthread_join(c, NULL);
    printf("pthread_kill reaches that thread: %d\n", signalled_tid == target);

    if (pipe(pipefd) < 0)
        return 1;
    pthread_create(&c, NULL, reader, NULL);
    usleep(20000); /* the reader waits in read meanwhile; this thread runs on */
    write(pipefd[1], "hello", 5);
    pthread_join(c, &ret);
    printf("a thread blocked in read got the data: %ld\n", (long)ret);

    int go = 0;
    pthread_t s[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&s[i], NULL, sleeper, &go);
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "Threads:", 8) == 0)
            printf("/proc/self/status %s", line);
    if (f)
        fclose(f);
    for (int n = 0; n < 2;) { /* both wait on the condition: the broadcast has two to wake (or requeue) */
        usleep(1000);
        pthread_mutex_lock(&mu);
        n = waiting;
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    go = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < 2; i++)
        pthread_join(s[i], NULL);

    pid_t pid = fork();
    if (pid == 0)
        _exit(counter == 80000 ? 5 : 1);
    int st;
    waitpid(pid, &st, 0);
    printf("fork after threads: child exit status %d\n", WEXITSTATUS(st));

    in_child("exit in a thread ends the process", exit_7, 0);
    in_child("a fault in a thread ends the process", fault, 0);
    in_child("execve from a thread", exec_sh, 0);
    in_child("main's pthread_exit", outlive_main, 1);
    return 0;
}
