/*
 * C start-up for Proteus tasks linked with Newlib. The kernel (for the root task) or the creator (for
 * any other, libos_spawn) starts the task with rdi = its struct px_bootinfo, and optionally rsi = a
 * function to run instead of main with rdx as its argument. We set up the initial thread's TLS, run
 * the constructors, and exit with what main returns.
 */
#include <libos/libos.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

const struct libos_resource *libos_resource(const char *name, uint32_t kind)
{
    const struct libos_resources *t =
        (const struct libos_resources *)((const char *)libos_bootinfo + LIBOS_RESOURCES_OFFSET);

    if (libos_bootinfo->magic != PX_BOOTINFO_MAGIC || t->count > LIBOS_RESOURCES_MAX)
        return NULL;
    for (uint32_t i = 0; i < t->count; i++)
        if (t->r[i].kind == kind && strncmp(t->r[i].name, name, sizeof(t->r[i].name)) == 0)
            return &t->r[i];
    return NULL;
}

const char *libos_task_name(void)
{
    const struct libos_resources *t =
        (const struct libos_resources *)((const char *)libos_bootinfo + LIBOS_RESOURCES_OFFSET);

    for (uint32_t i = 0; i < t->count && i < LIBOS_RESOURCES_MAX; i++)
        if (t->r[i].kind == LIBOS_RES_SELF)
            return t->r[i].name;
    return "";
}

/*
 * Debian's static libraries (libfdt, liblz4) are built with the stack protector: the canary lives at
 * %fs:0x28 (struct libos_tls) and a smashed stack ends here, ending the task.
 */
void __stack_chk_fail(void) __attribute__((noreturn));
void __stack_chk_fail(void)
{
    static const char msg[] = "stack smashing detected: task stopped\n";

    if (libos_bootinfo && libos_bootinfo->cap_debug)
        px_debug_write(libos_bootinfo->cap_debug, msg, sizeof(msg) - 1, NULL);
    px_task_exit(134);
}

struct px_ipc_buffer *libos_ipc_buffer(void)
{
    struct libos_tls *tls;

    __asm__("mov %%fs:0, %0" : "=r"(tls));
    return tls->ipc_buffer;
}
