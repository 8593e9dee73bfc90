/*
 * Proteus ABI: status codes. Every call returns one of these in rax; 0 is success. The set is kept small
 * on purpose: a status says what kind of thing went wrong, the call's documentation says which argument.
 */
#ifndef PROTEUS_STATUS_H
#define PROTEUS_STATUS_H

#define PX_OK 0        /* success */
#define PX_ERR_NOSYS 1 /* no such call: unknown or reserved number */
#define PX_ERR_FAULT 2 /* a user address is not mapped, not canonical, or not accessible as needed */
#define PX_ERR_INVAL 3 /* an argument is out of range */
/* 4 and up: reserved for the capability calls of ABI 0.2 (wrong cap, rights, quota). */

#endif
