/* A demo task: answers calls on its channel "ping-pong" with the number it got plus one. */
#include <libos/libos.h>
#include <stdio.h>

int main(void)
{
    const struct libos_resource *ep = libos_resource("ping-pong", LIBOS_RES_ENDPOINT);
    struct px_msg m;

    if (!ep || px_recv(ep->cap, &m) != PX_OK) {
        printf("pong: no channel 'ping-pong'\n");
        return 1;
    }
    printf("pong: serving\n");
    for (;;) {
        m = (struct px_msg){PX_MSGINFO(2, 1), 0, {m.mr[0] + 1, 0, 0, 0}};
        if (px_reply_recv(ep->cap, &m) != PX_OK)
            return 1;
    }
}
