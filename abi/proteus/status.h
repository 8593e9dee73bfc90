/*
 * Proteus ABI: status codes. Every call returns one of these in rax; 0 is success. The set is kept small
 * on purpose: a status says what kind of thing went wrong, the call's documentation says which argument.
 */
#ifndef PROTEUS_STATUS_H
#define PROTEUS_STATUS_H

#define PX_OK 0            /* success */
#define PX_ERR_NOSYS 1     /* no such call: unknown or reserved number */
#define PX_ERR_FAULT 2     /* a user address is not mapped, not canonical, or not accessible as needed */
#define PX_ERR_INVAL 3     /* an argument is out of range */
#define PX_ERR_CAP 4       /* a cap slot is out of range or empty */
#define PX_ERR_TYPE 5      /* the cap names an object of another type than the call needs */
#define PX_ERR_RIGHTS 6    /* the cap lacks a right the call needs */
#define PX_ERR_SLOT_FULL 7 /* the destination slot is in use */
#define PX_ERR_NOMEM 8     /* the kernel-memory quota or the memory pool is exhausted */
#define PX_ERR_REVOKED 9   /* the object was destroyed: every cap to it is dead */
#define PX_ERR_AGAIN 10    /* nothing to take now (a poll found nothing) */
#define PX_ERR_STATE 11    /* the object is not in a state that allows the call */

#endif
