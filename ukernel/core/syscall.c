/*
 * System call dispatch for ABI 0.1 (abi/proteus/syscall.h, docs/abi.md). Every argument is checked
 * before use; a bad one fails the call with a status and never affects the kernel or another task.
 */
#include <core/kernel.h>
#include <core/user.h>
#include <proteus/abi.h>
#include <proteus/status.h>
#include <proteus/syscall.h>

#define DEBUG_WRITE_MAX 4096

static int64_t sys_debug_write(uint64_t buf, uint64_t len, uint64_t *written)
{
    if (len > DEBUG_WRITE_MAX)
        return PX_ERR_INVAL;
    if (!arch_user_access_ok(buf, len, false))
        return PX_ERR_FAULT;
    arch_console_write((const char *)(uintptr_t)buf, len);
    *written = len;
    return PX_OK;
}

int64_t syscall_handle(uint64_t nr, const uint64_t args[6], uint64_t *result)
{
    switch (nr) {
    case PX_SYS_ABI_VERSION:
        *result = PX_ABI_VERSION;
        return PX_OK;
    case PX_SYS_TASK_EXIT:
        task_exit((int64_t)args[0]);
    case PX_SYS_DEBUG_WRITE:
        return sys_debug_write(args[0], args[1], result);
    default:
        return PX_ERR_NOSYS;
    }
}
