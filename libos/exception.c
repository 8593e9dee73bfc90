/*
 * Exception messages (abi/proteus/exception.h) for a handler such as a guest kernel: words 0..3 come in
 * registers (struct px_msg), the rest in the receiving thread's IPC buffer, and so go the registers of
 * a RESUME reply.
 */
#include <libos/libos.h>

void libos_exception_get(const struct px_msg *m, struct px_exception *e)
{
    uint64_t *w = (uint64_t *)e;
    struct px_ipc_buffer *ib = libos_ipc_buffer();

    for (int i = 0; i < PX_EXCEPTION_WORDS; i++)
        w[i] = i < 4 ? m->mr[i] : ib->mr[i];
}

void libos_exception_resume(struct px_msg *m, const struct px_regs *r)
{
    const uint64_t *w = (const uint64_t *)r;
    struct px_ipc_buffer *ib = libos_ipc_buffer();

    m->info = PX_MSGINFO(PX_EXC_REPLY_RESUME, PX_REGS_WORDS);
    for (int i = 0; i < PX_REGS_WORDS; i++)
        if (i < 4)
            m->mr[i] = w[i];
        else
            ib->mr[i] = w[i];
}
