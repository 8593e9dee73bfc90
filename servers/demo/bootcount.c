/*
 * A demo task with a disk: counts the boots of this system in the first sector of its disk (which lives
 * in the disk image tools/proteus run attaches), and says so.
 */
#include <libos/blk.h>
#include <stdio.h>
#include <string.h>

static uint8_t sector[512];

int main(void)
{
    struct libos_blk d;
    unsigned count = 0;

    if (libos_blk_open(&d, "bootcount") != PX_BLK_OK) {
        printf("bootcount: the disk is not there\n");
        return 1;
    }
    if (libos_blk_io(&d, PX_BLK_OP_READ, 0, 1, sector) == PX_BLK_OK && memcmp(sector, "BOOTS", 5) == 0)
        memcpy(&count, sector + 8, sizeof(count));
    count++;
    memcpy(sector, "BOOTS", 5);
    memcpy(sector + 8, &count, sizeof(count));
    if (libos_blk_io(&d, PX_BLK_OP_WRITE, 0, 1, sector) != PX_BLK_OK ||
        libos_blk_io(&d, PX_BLK_OP_FLUSH, 0, 0, NULL) != PX_BLK_OK) {
        printf("bootcount: cannot write the disk\n");
        return 1;
    }
    printf("bootcount: this system has booted %u time%s with this disk image (%llu MiB disk)\n", count,
           count == 1 ? "" : "s", (unsigned long long)(d.sectors >> 11));
    return 0;
}
