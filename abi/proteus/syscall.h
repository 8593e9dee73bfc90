/*
 * Proteus ABI: system call numbers and the register convention (docs/abi.md has one section per call).
 *
 * A call is the `syscall` instruction with the number in rax and arguments in rdi, rsi, rdx, r10, r8, r9
 * (the x86_64 System V order, with r10 for rcx, which the instruction overwrites). It returns a status
 * (status.h) in rax; results come back in rdx, r10, r8, r9 in that order, and the IPC calls also return a
 * message info in rsi and a badge in rdi. rcx and r11 are clobbered; every other register is preserved.
 *
 * Numbers are never reused: a retired call leaves a hole and a comment. Ranges:
 *   0x000 - 0x0ff  core calls (capabilities, tasks, threads, IPC, memory, time)
 *   0x100 - 0x1ff  paravirtual calls for guest kernels
 *   0x200 - 0x2ff  architecture-specific calls
 *   0x300 - 0x3ff  debugging, for bring-up
 * Anything else, and 0, fails with PX_ERR_NOSYS.
 */
#ifndef PROTEUS_SYSCALL_H
#define PROTEUS_SYSCALL_H

/* 0 is reserved: a zeroed register never makes a call. */
#define PX_SYS_ABI_VERSION 0x001 /* () -> rdx = PX_ABI_VERSION */
#define PX_SYS_TASK_EXIT 0x002   /* (int64 status) -> does not return */

/* Capabilities (caps.h). */
#define PX_SYS_CAP_COPY 0x010     /* (src, dst, rights mask) */
#define PX_SYS_CAP_MINT 0x011     /* (src, dst, rights mask, badge) */
#define PX_SYS_CAP_DELETE 0x012   /* (slot) */
#define PX_SYS_CAP_IDENTIFY 0x013 /* (slot) -> rdx = type, r10 = rights, r8 = badge */
#define PX_SYS_OBJ_DESTROY 0x014  /* (slot): MANAGE; every cap to the object is dead afterwards */
#define PX_SYS_CAP_TABLE_GROW 0x015 /* (task or PX_CAP_NULL for the caller, slots) -> rdx = table size:
                                     * MANAGE; charged to that task's quota */
/* 0x016 - 0x017: reserved for cap-space calls. */

/* Tasks. */
#define PX_SYS_TASK_CREATE 0x020     /* (memory, dst, quota bytes, cap slots or 0 for PX_CAP_SLOTS_INITIAL) */
#define PX_SYS_TASK_CAP_INSERT 0x021 /* (task, src, dst slot in task, rights mask): GRANT on task */
#define PX_SYS_TASK_SET_FAULT_NTFN 0x022 /* (task, notification or PX_CAP_NULL): signalled when the
                                          * task exits or one of its threads stops on an exception
                                          * nobody handles */
#define PX_SYS_TASK_STATUS 0x023 /* (task) -> rdx = PX_TASK_*, r10 = exit status or exception kind,
                                  * r8 = faulting address; also on a destroyed task */
#define PX_SYS_TASK_QUOTA_GIVE 0x024 /* (task, bytes): MANAGE, caller created it; moves unused quota to it */
#define PX_SYS_TASK_QUOTA_TAKE 0x025 /* (task, bytes or PX_QUOTA_UNUSED) -> rdx = bytes taken back */
#define PX_SYS_TASK_QUOTA_INFO 0x026 /* (task or PX_CAP_NULL for the caller) -> rdx = limit, r10 = used */
/* 0x027: reserved for task quota calls. */

/* Threads (struct px_regs in regs.h). */
#define PX_SYS_THREAD_CREATE 0x030      /* (task, dst) -> a stopped thread */
#define PX_SYS_THREAD_WRITE_REGS 0x031  /* (thread, const struct px_regs *): thread must be stopped */
#define PX_SYS_THREAD_READ_REGS 0x032   /* (thread, struct px_regs *): thread must be stopped */
#define PX_SYS_THREAD_RESUME 0x033      /* (thread) */
#define PX_SYS_THREAD_SUSPEND 0x034     /* (thread) */
#define PX_SYS_THREAD_SET_SCHED 0x035   /* (thread, priority, time slice in microseconds) */
#define PX_SYS_THREAD_SET_HANDLER 0x036 /* (thread, endpoint or PX_CAP_NULL, flags PX_THREAD_*) */
#define PX_SYS_THREAD_SET_IPC_BUF 0x037 /* (thread, frame, page index in frame) */
#define PX_SYS_THREAD_YIELD 0x038       /* () */
#define PX_SYS_THREAD_EXIT 0x039        /* () -> does not return */
#define PX_SYS_THREAD_BIND 0x03a        /* (thread, notification or PX_CAP_NULL) */
#define PX_SYS_THREAD_SET_TLS 0x03b     /* (thread, fs base, gs base): also on the running thread */
#define PX_SYS_THREAD_READ_FPU 0x03c    /* (thread, struct px_fpu_state *): stopped or awaiting a reply */
#define PX_SYS_THREAD_WRITE_FPU 0x03d   /* (thread, const struct px_fpu_state *): likewise */
#define PX_SYS_THREAD_CPU_TIME 0x03e    /* (thread) -> rdx = nanoseconds it has run */

/* Endpoints and notifications (ipc.h). */
#define PX_SYS_ENDPOINT_CREATE 0x040     /* (dst) */
#define PX_SYS_NOTIFICATION_CREATE 0x041 /* (dst) */
#define PX_SYS_SEND 0x050                /* (endpoint, info, mr0..mr3) */
#define PX_SYS_CALL 0x051                /* (endpoint, info, mr0..mr3) -> reply in rsi, rdx, r10, r8, r9 */
#define PX_SYS_RECV 0x052                /* (endpoint) -> rdi = badge, rsi = info, mr0..mr3 */
#define PX_SYS_REPLY 0x053               /* (-, info, mr0..mr3) */
#define PX_SYS_REPLY_RECV 0x054          /* (endpoint, info, mr0..mr3) -> as RECV */
#define PX_SYS_SIGNAL 0x060              /* (notification): OR in the cap's badge (1 if unbadged) */
#define PX_SYS_WAIT 0x061                /* (notification) -> rdx = bits, cleared */
#define PX_SYS_POLL 0x062                /* (notification) -> rdx = bits, or PX_ERR_AGAIN */

/* Memory (memory.h). */
#define PX_SYS_MEMORY_SPLIT 0x070 /* (memory, dst, pages) -> a pool of pages taken from memory */
#define PX_SYS_FRAME_CREATE 0x071 /* (memory, dst, pages) -> zeroed, physically contiguous */
#define PX_SYS_FRAME_INFO 0x072   /* (frame) -> rdx = physical address, r10 = pages */
#define PX_SYS_MAP_BATCH 0x073    /* (task, const struct px_map_op *, count) -> rdx = ops applied */
#define PX_SYS_FRAME_CREATE_DEVICE 0x074 /* (mmio, dst, physical address, pages): uncached device registers */

/* Time (time.h). */
#define PX_SYS_TIMER_CREATE 0x080 /* (dst, notification, bits) */
#define PX_SYS_TIMER_SET 0x081    /* (timer, deadline ns, period ns): 0 deadline cancels */

/* Devices (device.h). */
#define PX_SYS_IRQ_CREATE 0x090   /* (irq control, dst, line, flags PX_IRQ_*) */
#define PX_SYS_IRQ_BIND 0x091     /* (irq, notification, bits): unmasks the line */
#define PX_SYS_IRQ_ACK 0x092      /* (irq): unmask the line after handling an interrupt */
#define PX_SYS_IOPORT_SPLIT 0x0a0 /* (ioport, dst, first port, count): a sub-range */
#define PX_SYS_IOPORT_IN 0x0a1    /* (ioport, port, width 1|2|4) -> rdx = value: READ */
#define PX_SYS_IOPORT_OUT 0x0a2   /* (ioport, port, width 1|2|4, value): WRITE */

/* Debugging. */
/* 0x300: retired (ABI 0.1 DEBUG_WRITE, which needed no capability). */
#define PX_SYS_DEBUG_WRITE 0x301 /* (debug cap, const char *buf, uint64 len <= 4096) -> rdx = written */
#define PX_SYS_KLOG_ATTACH 0x302 /* (debug cap, frame, notification): the kernel's console output goes to
                                  * the struct px_console_out at the start of the frame from now on */
#define PX_SYS_DEBUG_CHECK 0x303 /* (debug cap with MANAGE) -> rdx = invariants broken, r10 = free pages,
                                  * r8 = kernel objects, r9 = untracked pages: the kernel checks itself */
#define PX_SYS_DEBUG_TASK_USE 0x304 /* (debug cap with MANAGE, task) -> rdx = pages its cap table and page
                                     * tables hold, r10 = its kernel-memory quota use in bytes */
#define PX_SYS_ASPACE_SWITCHES 0x305 /* () -> rdx = address-space switches (CR3 loads) since boot */
#define PX_SYS_DEBUG_FASTPATH 0x306 /* (debug cap, mode 0 keep | 1 on | 2 off) -> rdx = calls the IPC fast
                                     * path has taken, r10 = 1 if it is on (after the change), r8 = leaf
                                     * calls the short entry has answered */

#define PX_SYS_RANGE_END 0x400

#endif
