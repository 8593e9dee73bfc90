/*
 * Processes: each is a Proteus task with one foreign-ABI thread whose exception endpoint is lx's, badged
 * with its pid. Its memory is a list of regions, each backed by one frame that lx maps both into the
 * process (with the region's protection) and into itself (read-write), so that copying to and from the
 * process is a memcpy after a bounds check.
 */
#include "lx.h"
#include <core/elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31

extern uint32_t lx_endpoint;
static struct lx_proc procs[LX_MAX_PROCS];
static int next_pid = 1;

struct lx_proc *lx_proc_find(int pid)
{
    for (unsigned i = 0; i < LX_MAX_PROCS; i++)
        if (procs[i].used && procs[i].pid == pid)
            return &procs[i];
    return NULL;
}

static struct lx_region *region_at(struct lx_proc *p, uint64_t va)
{
    for (unsigned i = 0; i < p->nregions; i++)
        if (va >= p->regions[i].start && va < p->regions[i].end)
            return &p->regions[i];
    return NULL;
}

bool lx_range_free(const struct lx_proc *p, uint64_t start, uint64_t len)
{
    for (unsigned i = 0; i < p->nregions; i++)
        if (start < p->regions[i].end && p->regions[i].start < start + len)
            return false;
    return true;
}

/* A new region of fresh zeroed pages at [start, start + len), mapped into the process and into lx. */
static struct lx_region *add_region(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot)
{
    uint64_t pages = len / PX_PAGE_SIZE;
    struct lx_region *r;
    uint32_t frame;
    uint8_t *alias;

    if (p->nregions == LX_MAX_REGIONS || !(alias = libos_map_new(pages, &frame)))
        return NULL;
    struct px_map_op op = {PX_MAP_OP_MAP, frame, start, 0, pages, prot ? prot : PX_PROT_READ, 0};
    if (px_map_batch(p->task, &op, 1, NULL) != PX_OK)
        return NULL;
    if (!prot) { /* PROT_NONE: mapped readable for the bookkeeping, then closed */
        op = (struct px_map_op){PX_MAP_OP_UNMAP, 0, start, 0, pages, 0, 0};
        px_map_batch(p->task, &op, 1, NULL);
    }
    r = &p->regions[p->nregions++];
    *r = (struct lx_region){start, start + len, prot, frame, alias};
    return r;
}

int lx_map_anon(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot)
{
    if (prot & PX_PROT_WRITE)
        prot &= ~PX_PROT_EXEC; /* W^X: a writable mapping is never executable here */
    return add_region(p, start, len, prot) ? 0 : -LX_ENOMEM;
}

int lx_unmap(struct lx_proc *p, uint64_t start, uint64_t len)
{
    struct px_map_op op = {PX_MAP_OP_UNMAP, 0, start, 0, len / PX_PAGE_SIZE, 0, 0};

    px_map_batch(p->task, &op, 1, NULL);
    for (unsigned i = 0; i < p->nregions; i++) { /* whole regions go; parts of regions stay booked */
        struct lx_region *r = &p->regions[i];
        if (r->start >= start && r->end <= start + len) {
            px_cap_delete(r->frame);
            libos_slot_free(r->frame);
            *r = p->regions[--p->nregions];
            i--;
        }
    }
    return 0;
}

int lx_protect(struct lx_proc *p, uint64_t start, uint64_t len, unsigned prot)
{
    struct px_map_op op = {PX_MAP_OP_PROTECT, 0, start, 0, len / PX_PAGE_SIZE, prot, 0};

    if ((prot & PX_PROT_WRITE) && (prot & PX_PROT_EXEC))
        return -LX_EACCES;
    if (!prot)
        op.op = PX_MAP_OP_UNMAP; /* PROT_NONE */
    return px_map_batch(p->task, &op, 1, NULL) == PX_OK ? 0 : -LX_ENOMEM;
}

static int copy(struct lx_proc *p, uint64_t va, void *buf, uint64_t len, bool out)
{
    uint8_t *b = buf;

    while (len) {
        struct lx_region *r = region_at(p, va);
        if (!r || !r->prot || (out && !(r->prot & PX_PROT_WRITE)))
            return -LX_EFAULT;
        uint64_t n = r->end - va < len ? r->end - va : len;
        if (out)
            memcpy(r->alias + (va - r->start), b, n);
        else
            memcpy(b, r->alias + (va - r->start), n);
        va += n, b += n, len -= n;
    }
    return 0;
}

int lx_copy_in(struct lx_proc *p, void *dst, uint64_t src, uint64_t len) { return copy(p, src, dst, len, false); }
int lx_copy_out(struct lx_proc *p, uint64_t dst, const void *src, uint64_t len)
{
    return copy(p, dst, (void *)(uintptr_t)src, len, true);
}

int lx_copy_string(struct lx_proc *p, char *dst, uint64_t src, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (copy(p, src + i, dst + i, 1, false) < 0)
            return -LX_EFAULT;
        if (!dst[i])
            return 0;
    }
    return -LX_ENAMETOOLONG;
}

static int load_elf(struct lx_proc *p, const struct lx_node *file, uint64_t *entry, uint64_t *phdr, unsigned *phnum)
{
    struct elf_image img;
    const char *why = elf_parse(file->data, file->size, PX_PAGE_SIZE, LX_MMAP_TOP, &img);
    uint64_t phoff, top = 0;

    if (why) {
        printf("lx: %s: %s\n", file->path, why);
        return -LX_ENOEXEC;
    }
    for (unsigned i = 0; i < img.nsegs; i++) {
        const struct elf_segment *s = &img.segs[i];
        unsigned prot = (s->prot & SEG_R ? PX_PROT_READ : 0) | (s->prot & SEG_W ? PX_PROT_WRITE : 0) |
                        (s->prot & SEG_X ? PX_PROT_EXEC : 0);
        struct lx_region *r = add_region(p, s->vaddr, s->memsz, prot);
        if (!r)
            return -LX_ENOMEM;
        memcpy(r->alias + s->data, file->data + s->offset, s->filesz);
        if (s->vaddr + s->memsz > top)
            top = s->vaddr + s->memsz;
    }
    memcpy(&phoff, file->data + 32, 8);
    uint16_t n;
    memcpy(&n, file->data + 56, 2);
    *phnum = n;
    *phdr = img.segs[0].vaddr + img.segs[0].data + phoff - img.segs[0].offset; /* the headers in segment 0 */
    *entry = img.entry;
    p->brk_start = p->brk = (top + PX_PAGE_SIZE - 1) & ~(uint64_t)(PX_PAGE_SIZE - 1);
    return 0;
}

/* argc, argv, envp, auxv and the strings, at the top of the stack; returns the initial rsp. */
static uint64_t build_stack(struct lx_proc *p, struct lx_region *stack, char *const argv[], char *const envp[],
                            uint64_t entry, uint64_t phdr, unsigned phnum)
{
    uint64_t sp = stack->end, ptrs[128];
    unsigned argc = 0, envc = 0, n = 0;

    sp -= 16;
    uint64_t random = sp;
    for (int i = 0; i < 16; i++)
        stack->alias[random - stack->start + i] = (uint8_t)(libos_monotonic_ns() >> (i % 8) * 8) ^ (uint8_t)(i * 37);
#define PUSH_STR(s) (sp -= strlen(s) + 1, strcpy((char *)stack->alias + (sp - stack->start), (s)), sp)
    uint64_t execfn = PUSH_STR(p->exe);
    while (argv[argc] && argc < 48)
        ptrs[n++] = PUSH_STR(argv[argc]), argc++;
    while (envp[envc] && envc < 48)
        ptrs[n++] = PUSH_STR(envp[envc]), envc++;
    uint64_t auxv[] = {AT_PHDR, phdr, AT_PHENT, 56, AT_PHNUM, phnum, AT_PAGESZ, PX_PAGE_SIZE, AT_ENTRY, entry,
                       AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0, AT_CLKTCK, 100, AT_SECURE, 0,
                       AT_RANDOM, random, AT_EXECFN, execfn, AT_NULL, 0};
    unsigned words = 1 + argc + 1 + envc + 1 + sizeof(auxv) / 8;
    sp = (sp - words * 8) & ~15ull;
    uint64_t *w = (uint64_t *)(stack->alias + (sp - stack->start));
    *w++ = argc;
    for (unsigned i = 0; i < argc; i++)
        *w++ = ptrs[i];
    *w++ = 0;
    for (unsigned i = 0; i < envc; i++)
        *w++ = ptrs[argc + i];
    *w++ = 0;
    memcpy(w, auxv, sizeof(auxv));
    return sp;
}

static struct lx_proc *new_proc(void)
{
    for (unsigned i = 0; i < LX_MAX_PROCS; i++)
        if (!procs[i].used) {
            memset(&procs[i], 0, sizeof(procs[i]));
            procs[i].used = true;
            procs[i].pid = next_pid++;
            return &procs[i];
        }
    return NULL;
}

struct lx_proc *lx_proc_spawn(const char *path, char *const argv[], char *const envp[], int *err)
{
    const struct lx_node *file = lx_fs_lookup(path, true, err);
    struct lx_proc *p;
    uint64_t entry, phdr, sp;
    unsigned phnum;
    struct px_regs r = {0};
    uint32_t badged;

    if (!file)
        return NULL;
    if (!(p = new_proc()) || !(p->task = libos_slot_alloc()) || !(p->thread = libos_slot_alloc()) ||
        !(badged = libos_slot_alloc()) || px_task_create(libos_bootinfo->cap_memory, p->task, 1 << 20) != PX_OK ||
        px_thread_create(p->task, p->thread) != PX_OK || px_cap_mint(lx_endpoint, badged, PX_R_WRITE, (uint64_t)p->pid) != PX_OK) {
        *err = LX_EAGAIN;
        return NULL;
    }
    snprintf(p->exe, sizeof(p->exe), "/%s", file->path);
    strcpy(p->cwd, "/");
    p->mmap_next = LX_MMAP_TOP;
    for (int fd = 0; fd < 3; fd++)
        p->fds[fd].kind = FD_CONSOLE;
    struct lx_region *stack = add_region(p, LX_STACK_TOP - LX_STACK_SIZE, LX_STACK_SIZE, PX_PROT_READ | PX_PROT_WRITE);
    if ((*err = -load_elf(p, file, &entry, &phdr, &phnum)) != 0 || !stack) {
        *err = *err ? *err : LX_ENOMEM;
        lx_proc_destroy(p);
        return NULL;
    }
    sp = build_stack(p, stack, argv, envp, entry, phdr, phnum);
    r.rip = entry;
    r.rsp = sp;
    if (px_thread_write_regs(p->thread, &r) != PX_OK ||
        px_thread_set_handler(p->thread, badged, PX_THREAD_FOREIGN_ABI) != PX_OK ||
        px_thread_set_sched(p->thread, 10, PX_TIMESLICE_DEFAULT_US) != PX_OK || px_thread_resume(p->thread) != PX_OK) {
        *err = LX_EAGAIN;
        lx_proc_destroy(p);
        return NULL;
    }
    px_cap_delete(badged);
    libos_slot_free(badged);
    return p;
}

void lx_proc_destroy(struct lx_proc *p)
{
    px_obj_destroy(p->task);
    for (unsigned i = 0; i < p->nregions; i++) {
        px_cap_delete(p->regions[i].frame);
        libos_slot_free(p->regions[i].frame);
    }
    px_cap_delete(p->task), px_cap_delete(p->thread);
    libos_slot_free(p->task), libos_slot_free(p->thread);
    p->used = false;
}
