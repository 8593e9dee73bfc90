/*
 * C start-up for Proteus tasks linked with Newlib. The kernel (for the root task) or the creator (for
 * any other, libos_spawn) starts the task with rdi = its struct px_bootinfo, and optionally rsi = a
 * function to run instead of main with rdx as its argument. We set up the initial thread's TLS, run
 * the constructors, and exit with what main returns.
 */
#include <libos/libos.h>
#include <stdint.h>
#include <stdlib.h>

extern int main(int argc, char **argv, char **envp);
extern void __libc_init_array(void);
extern void __libc_fini_array(void);
void __libos_start(const struct px_bootinfo *bi, int (*entry)(uint64_t), uint64_t arg)
    __attribute__((noreturn));

const struct px_bootinfo *libos_bootinfo;
static struct libos_tls main_tls;
static char *empty_env[] = {NULL};
char **environ = empty_env;

/* Newlib is configured with init/fini support; the init arrays do all the work. */
void _init(void);
void _fini(void);
void _init(void) {}
void _fini(void) {}

void __libos_start(const struct px_bootinfo *bi, int (*entry)(uint64_t), uint64_t arg)
{
    static char name[] = "task";
    char *argv[] = {name, NULL};

    if (!bi || bi->magic != PX_BOOTINFO_MAGIC)
        px_task_exit(127); /* no start of day: nothing sensible to do */
    libos_bootinfo = bi;
    main_tls.self = &main_tls;
    main_tls.ipc_buffer = (struct px_ipc_buffer *)(uintptr_t)bi->ipc_buffer;
    main_tls.stack_guard = 0x5f7c9e31a2d4b6e8ull ^ libos_shared_info()->tsc_base;
    px_thread_set_tls(bi->cap_thread, (uint64_t)(uintptr_t)&main_tls, 0);
    atexit(__libc_fini_array);
    __libc_init_array();
    exit(entry ? entry(arg) : main(1, argv, environ));
}

struct px_ipc_buffer *libos_ipc_buffer(void)
{
    struct libos_tls *tls;

    __asm__("mov %%fs:0, %0" : "=r"(tls));
    return tls->ipc_buffer;
}
