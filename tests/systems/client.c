/*
 * System test (channels.dts): the client calls the server over its one declared channel, then checks
 * that it holds nothing else: every slot of its cap table is something the manifest gave it or its own,
 * and a call through anything else fails. Prints KTAP; its exit ends the system (system-exit).
 */
#include <libos/libos.h>
#include <stdio.h>

static int failures, number;

static void check(int ok, const char *what)
{
    printf("%s %d %s\n", ok ? "ok" : "not ok", ++number, what);
    failures += !ok;
}

int main(void)
{
    const struct libos_resource *link = libos_resource("link", LIBOS_RES_ENDPOINT);
    unsigned endpoints = 0, others = 0, good = 0;

    check(link != NULL, "the channel 'link' is there");
    for (uint64_t i = 1; link && i <= 100; i++) {
        struct px_msg m = {PX_MSGINFO(1, 1), 0, {i, 0, 0, 0}};
        good += px_call(link->cap, &m) == PX_OK && m.mr[0] == i * 2;
    }
    check(good == 100, "100 calls to the server over 'link' answered");
    check(libos_bootinfo->cap_debug == 0, "no debug cap: the manifest did not give one");
    for (uint32_t s = 1; s < libos_bootinfo->cap_slots; s++) {
        uint64_t type, rights, badge;
        if (px_cap_identify(s, &type, &rights, &badge) != PX_OK)
            continue;
        if (type == PX_OBJ_ENDPOINT)
            endpoints++;
        else if (type != PX_OBJ_TASK && type != PX_OBJ_THREAD && type != PX_OBJ_MEMORY &&
                 type != PX_OBJ_FRAME && type != PX_OBJ_NOTIFICATION)
            others++;
    }
    check(endpoints == 1, "exactly one endpoint in the cap table: the declared channel");
    check(others == 0, "no device, IRQ, debug or timer caps");
    struct px_msg m = {PX_MSGINFO(1, 0), 0, {0}};
    check(px_call(libos_bootinfo->cap_first_free + 40, &m) == PX_ERR_CAP,
          "a call through an empty slot: CAP");
    printf("1..%d\n", number);
    return failures;
}
