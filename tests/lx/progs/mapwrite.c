/*
 * mapwrite FILE exit|msync: make FILE 5 pages and 123 bytes long, map it MAP_SHARED and store a pattern
 * (byte i is i * 13 + 7, truncated) through the mapping; then either end at once, without msync or
 * munmap ("exit"), or msync(MS_SYNC) it, print "synced" and wait for the end ("msync": the test ends the
 * system then, as a power loss would, and looks for the pattern on the disk).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SIZE (5 * 4096 + 123)

int main(int argc, char **argv)
{
    int fd = argc == 3 ? open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644) : -1;
    unsigned char *m;

    if (fd < 0 || ftruncate(fd, SIZE) < 0) {
        perror("mapwrite: FILE exit|msync");
        return 1;
    }
    if ((m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
        perror("mapwrite: mmap");
        return 1;
    }
    close(fd);
    for (int i = 0; i < SIZE; i++)
        m[i] = (unsigned char)(i * 13 + 7);
    if (strcmp(argv[2], "msync") != 0)
        return 0;
    if (msync(m, SIZE, MS_SYNC) < 0) {
        perror("mapwrite: msync");
        return 1;
    }
    printf("synced\n");
    fflush(stdout);
    for (;;)
        pause();
}
