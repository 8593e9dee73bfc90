/*
 * C start-up for Proteus tasks linked with Newlib: run the constructors, call main, exit with its
 * status. Tasks get no arguments or environment yet (ABI 0.1): argv holds just the program name.
 */
#include <stdint.h>
#include <stdlib.h>

extern int main(int argc, char **argv, char **envp);
extern void __libc_init_array(void);
extern void __libc_fini_array(void);
void __libos_start(uint64_t arg) __attribute__((noreturn));

static char *empty_env[] = {NULL};
char **environ = empty_env;

/* Newlib is configured with init/fini support; the init arrays do all the work. */
void _init(void);
void _fini(void);
void _init(void) {}
void _fini(void) {}

void __libos_start(uint64_t arg)
{
    static char name[] = "task";
    char *argv[] = {name, NULL};

    (void)arg;
    atexit(__libc_fini_array);
    __libc_init_array();
    exit(main(1, argv, environ));
}
