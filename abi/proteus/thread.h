/* Proteus ABI: thread flags and scheduling limits. */
#ifndef PROTEUS_THREAD_H
#define PROTEUS_THREAD_H

/* PX_SYS_THREAD_SET_HANDLER flags. */
#define PX_THREAD_FOREIGN_ABI 0x1u /* the thread's `syscall` is an exception (PX_EXC_FOREIGN_SYSCALL) */

/* PX_SYS_TASK_STATUS states. */
#define PX_TASK_RUNNING 0 /* nothing has happened to it (it may have no running thread) */
#define PX_TASK_EXITED 1  /* it called PX_SYS_TASK_EXIT: r10 = its status */
#define PX_TASK_FAULTED 2 /* a thread stopped on an unhandled exception: r10 = PX_EXC_* kind, r8 = address */
#define PX_TASK_DESTROYED 3 /* destroyed from outside */

/* Priorities: 0 (lowest) to PX_PRIO_MAX; a thread cannot give a higher priority than its own. */
#define PX_PRIO_MAX 31
#define PX_PRIO_DEFAULT 16
#define PX_TIMESLICE_DEFAULT_US 10000 /* 10 ms */
#define PX_TIMESLICE_MIN_US 1000

#endif
