/*
 * System test (channels.dts): a task with no channel. It looks through its whole cap table for anything
 * that could reach another task and tries it; nothing may answer.
 */
#include <libos/libos.h>
#include <stdio.h>

int main(void)
{
    unsigned reached = 0, endpoints = 0;

    for (uint32_t s = 1; s < libos_bootinfo->cap_slots; s++) {
        uint64_t type, rights, badge;
        if (px_cap_identify(s, &type, &rights, &badge) != PX_OK || type != PX_OBJ_ENDPOINT)
            continue;
        endpoints++;
        struct px_msg m = {PX_MSGINFO(1, 1), 0, {7, 0, 0, 0}};
        reached += px_send(s, &m) == PX_OK;
    }
    printf("stranger: %u endpoints, %u reached: %s\n", endpoints, reached,
           endpoints == 0 && reached == 0 ? "isolated" : "NOT ISOLATED");
    return endpoints == 0 && reached == 0 ? 0 : 1;
}
