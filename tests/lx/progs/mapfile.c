/*
 * A private mapping of a file: mapfile FILE prints the file's size, a checksum of its mapped bytes and
 * of the same bytes read with read(2), then changes the mapping and shows the file did not change.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t sum(const unsigned char *p, size_t n)
{
    uint32_t s = 0;

    for (size_t i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

int main(int argc, char **argv)
{
    struct stat st;
    int fd = argc > 1 ? open(argv[1], O_RDONLY) : -1;

    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0) {
        perror("mapfile: open");
        return 1;
    }
    unsigned char *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    unsigned char *r = malloc((size_t)st.st_size);
    if (m == MAP_FAILED || !r) {
        perror("mapfile: mmap");
        return 1;
    }
    size_t got = 0;
    ssize_t k;
    while (got < (size_t)st.st_size && (k = pread(fd, r + got, (size_t)st.st_size - got, (off_t)got)) > 0)
        got += (size_t)k;
    printf("size %lld mapped %08x read %08x\n", (long long)st.st_size, sum(m, (size_t)st.st_size), sum(r, got));
    m[0] ^= 0xff; /* private: the file keeps its byte */
    unsigned char first;
    if (pread(fd, &first, 1, 0) != 1 || first == m[0]) {
        printf("a private mapping's change reached the file\n");
        return 1;
    }
    printf("private copy changed, file unchanged\n");
    return munmap(m, (size_t)st.st_size) == 0 && close(fd) == 0 ? 0 : 1;
}
