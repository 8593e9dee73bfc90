/*
 * manifest-check: validates a compiled manifest on the host, with the root server's own validator.
 *
 *     manifest-check [--memory-kib N] [--kernel-memory-kib N] FILE.dtb
 *
 * Prints "ok: N tasks, M channels" and exits 0 when the manifest is valid, or prints the validator's error
 * line ("<node path>: <reason>") on stdout and exits 1. Bad arguments or an unreadable file exit 2 with a
 * message on stderr. The limits default to 256 MiB of user memory and 32 MiB of kernel memory.
 */
#include "manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BLOB (64u << 20)

static int usage(const char *why)
{
    if (why)
        fprintf(stderr, "manifest-check: %s\n", why);
    fprintf(stderr, "usage: manifest-check [--memory-kib N] [--kernel-memory-kib N] FILE.dtb\n");
    return 2;
}

/* Parses a decimal number of KiB; false if s is not one. */
static bool parse_kib(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* Reads the whole file into a malloc'd buffer (8-byte aligned, as libfdt wants); NULL and errno on failure.
 */
static void *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int saved = 0;

    if (!f)
        return NULL;
    while (!saved) {
        if (n == cap) {
            char *bigger = cap >= MAX_BLOB ? NULL : realloc(buf, cap ? cap * 2 : 65536);
            if (!bigger) {
                saved = cap >= MAX_BLOB ? EFBIG : ENOMEM;
                break;
            }
            buf = bigger;
            cap = cap ? cap * 2 : 65536;
        }
        errno = 0;
        n += fread(buf + n, 1, cap - n, f);
        if (ferror(f))
            saved = errno ? errno : EIO;
        else if (feof(f))
            break;
    }
    fclose(f);
    if (saved) {
        free(buf);
        errno = saved;
        return NULL;
    }
    *size = n;
    return buf;
}

int main(int argc, char **argv)
{
    struct manifest_limits lim = {262144, 32768};
    static struct manifest m;
    const char *file = NULL;
    char err[256];
    size_t size;
    void *blob;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--memory-kib") == 0 || strcmp(argv[i], "--kernel-memory-kib") == 0) {
            uint64_t *dst = strcmp(argv[i], "--memory-kib") == 0 ? &lim.memory_kib : &lim.kernel_memory_kib;
            if (!parse_kib(i + 1 < argc ? argv[i + 1] : NULL, dst))
                return usage("expected a number of KiB after --memory-kib / --kernel-memory-kib");
            i++;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(NULL);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "manifest-check: unknown option '%s'\n", argv[i]);
            return usage(NULL);
        } else if (file) {
            return usage("more than one file");
        } else {
            file = argv[i];
        }
    }
    if (!file)
        return usage("no file");
    blob = read_file(file, &size);
    if (!blob) {
        fprintf(stderr, "manifest-check: cannot read %s: %s\n", file, strerror(errno));
        return 2;
    }
    rc = manifest_parse(blob, size, &lim, &m, err, sizeof(err));
    if (rc == 0)
        printf("ok: %u tasks, %u channels\n", m.ntasks, m.nchannels);
    else
        printf("%s\n", err);
    free(blob);
    return rc == 0 ? 0 : 1;
}
