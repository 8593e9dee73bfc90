/*
 * Proteus ABI: capabilities. A task reaches kernel objects only through the slots of its cap table; a
 * slot names an object, the rights the holder has on it and a badge. Slot numbers are task-local.
 */
#ifndef PROTEUS_CAPS_H
#define PROTEUS_CAPS_H

/* Slot 0 of every cap table is always empty: it names "no cap" where a call takes an optional one. */
#define PX_CAP_NULL 0u

/* A cap table starts with PX_CAP_SLOTS_INITIAL slots and grows (PX_SYS_CAP_TABLE_GROW) up to this. */
#define PX_CAP_SLOTS_INITIAL 1024u
#define PX_CAP_SLOTS_MAX (1u << 20)

/* PX_SYS_TASK_QUOTA_TAKE's byte count meaning "all the task does not use". */
#define PX_QUOTA_UNUSED (~0ull)

/* Object types (PX_SYS_CAP_IDENTIFY). */
#define PX_OBJ_NONE 0
#define PX_OBJ_TASK 1         /* address space + cap table + kernel-memory quota */
#define PX_OBJ_THREAD 2       /* registers, priority, time slice, exception endpoint */
#define PX_OBJ_ENDPOINT 3     /* synchronous IPC */
#define PX_OBJ_NOTIFICATION 4 /* 64 asynchronous signal bits */
#define PX_OBJ_FRAME 5        /* physical pages that can be mapped */
#define PX_OBJ_MEMORY 6       /* a pool of physical pages that frames are made from */
#define PX_OBJ_DEBUG 7        /* permission to use the debug calls */
#define PX_OBJ_TIMER 8        /* a deadline that signals a notification */
#define PX_OBJ_IRQ_CONTROL 9  /* permission to claim interrupt lines */
#define PX_OBJ_IRQ 10         /* one interrupt line, delivered to a notification */
#define PX_OBJ_IOPORT 11      /* a range of I/O ports */
#define PX_OBJ_MMIO 12        /* device physical memory that device frames are made from */

/*
 * Rights. What each means depends on the type:
 *   READ    frame: map readable; endpoint: receive; notification: wait or poll
 *   WRITE   frame: map writable; endpoint: send and call; notification: signal
 *   EXEC    frame: map executable
 *   GRANT   endpoint: pass caps in messages; task: insert caps into its table
 *   MANAGE  task, thread, timer, memory, irq, ioport, mmio: configure, start, stop, create from, destroy;
 *           debug: the kernel's self-check (PX_SYS_DEBUG_CHECK)
 *   READ/WRITE on an I/O port range: in / out
 * A derived cap never has rights its source lacks.
 */
#define PX_R_READ 0x01u
#define PX_R_WRITE 0x02u
#define PX_R_EXEC 0x04u
#define PX_R_GRANT 0x08u
#define PX_R_MANAGE 0x10u
#define PX_R_ALL 0x1fu

#endif
