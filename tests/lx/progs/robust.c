/*
 * set_robust_list and get_robust_list as Linux answers them: a length other than that of
 * struct robust_list_head is EINVAL, the head set is the head told back with its length, a bad pointer
 * is EFAULT, and another thread's list can be asked for by its id.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

struct head {
    void *next;
    long offset;
    void *pending;
};

static struct head theirs = {&theirs, 0, 0};
static volatile long their_tid;
static volatile int done;

static void *thread(void *arg)
{
    (void)arg;
    syscall(SYS_set_robust_list, &theirs, sizeof(theirs));
    their_tid = syscall(SYS_gettid);
    while (!done)
        usleep(1000);
    return NULL;
}

int main(void)
{
    struct head head = {&head, 0, 0};
    void *got = NULL;
    size_t len = 0;
    pthread_t t;
    long r;

    r = syscall(SYS_set_robust_list, &head, sizeof(head) - 1);
    printf("a bad length: %ld EINVAL %d\n", r, r < 0 && errno == EINVAL);
    r = syscall(SYS_set_robust_list, &head, sizeof(head));
    printf("set: %ld\n", r);
    r = syscall(SYS_get_robust_list, 0, &got, &len);
    printf("get: %ld, the head set %d, length %zu\n", r, got == (void *)&head, len);
    r = syscall(SYS_get_robust_list, 0, (void *)8, &len);
    printf("a bad pointer: %ld EFAULT %d\n", r, r < 0 && errno == EFAULT);
    pthread_create(&t, NULL, thread, NULL);
    while (!their_tid)
        usleep(1000);
    r = syscall(SYS_get_robust_list, their_tid, &got, &len);
    printf("another thread's: %ld, its head %d\n", r, got == (void *)&theirs);
    done = 1;
    pthread_join(t, NULL);
    return 0;
}
