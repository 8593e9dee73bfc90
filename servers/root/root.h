/* The root server's pieces (root.c, grants.c, symbols.c). */
#ifndef ROOT_ROOT_H
#define ROOT_ROOT_H

#include "manifest.h"
#include <libos/libos.h>
#include <proteus/io/console.h>

#define ROOT_MAX_GRANTS 64

/* One task of the manifest and what the root server holds for it. */
struct child {
    const struct manifest_task *task;
    void *elf; /* the unpacked program, kept for restarts and symbols */
    size_t elf_size;
    bool broken; /* its program could not be unpacked */
    bool running;
    struct libos_child child;
    uint32_t watch;  /* notification cap that its exit or fault signals */
    uint32_t events; /* a driver's notification: its interrupt lines and disk clients signal it */
    struct libos_grant grants[ROOT_MAX_GRANTS];
    unsigned ngrants;
    unsigned restarts;
    int64_t exit_status; /* how it last ended: its status, or 128 + the exception kind */
    uint64_t restart_at_ns, started_ns;
};

/* The consoles: one shared page per task with a console (and one for the root server itself). */
struct consoles {
    uint32_t wait;       /* the console server's notification */
    uint32_t klog_frame; /* the kernel log ring */
    uint32_t root_frame, root_signal, root_input;
    void *root_page;
    bool present;
    struct px_console_out *rings[MANIFEST_MAX_TASKS + 2]; /* every output ring, mapped here too */
    unsigned nrings;
};

/* The task's data image (size bytes in pages of frame): the read-only resource "image". */
void grant_image(struct child *c, uint32_t frame, uint64_t pages, uint64_t size);
/* Create every channel, console and device cap and fill each child's grants. -1: out of memory. */
int grants_build(const struct manifest *m, struct child *children, struct consoles *cons);
/* Once the console server runs: the kernel log and the root server's own output go to it. */
void consoles_attach(struct consoles *cons);
/* Has the console server printed everything written so far? */
bool consoles_drained(const struct consoles *cons);

/* The function containing addr in an ELF image's symbol table, as "name+0xoff"; false if none. */
bool elf_symbolize(const void *elf, size_t size, uint64_t addr, char *out, size_t outlen);

#endif
