/* System test (channels.dts): answers calls on 'link' with twice the number it got. */
#include <libos/libos.h>

int main(void)
{
    const struct libos_resource *link = libos_resource("link", LIBOS_RES_ENDPOINT);
    struct px_msg m;

    if (!link || px_recv(link->cap, &m) != PX_OK)
        return 1;
    for (;;) {
        m = (struct px_msg){PX_MSGINFO(2, 1), 0, {m.mr[0] * 2, 0, 0, 0}};
        if (px_reply_recv(link->cap, &m) != PX_OK)
            return 1;
    }
}
