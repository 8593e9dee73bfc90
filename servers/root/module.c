/*
 * Unpacking task programs from the system image (module.h) with liblz4's frame API. The frame must
 * declare its content size (so the buffer is allocated once, and a lie is caught) and carry a content
 * checksum (so a corrupt image is caught before the ELF is even looked at); liblz4 checks both.
 */
#include "module.h"
#include <lz4frame.h>
#include <stdio.h>

static int fail(char *err, size_t errlen, const char *what, size_t code)
{
    if (code)
        snprintf(err, errlen, "%s (%s)", what, LZ4F_getErrorName(code));
    else
        snprintf(err, errlen, "%s", what);
    return -1;
}

static int check_frame(LZ4F_dctx *d, const void *src, size_t *size, LZ4F_frameInfo_t *info, char *err,
                       size_t errlen)
{
    size_t consumed = *size, r = LZ4F_getFrameInfo(d, info, src, &consumed);

    if (LZ4F_isError(r))
        return fail(err, errlen, "not an LZ4 frame", r);
    if (info->contentChecksumFlag != LZ4F_contentChecksumEnabled)
        return fail(err, errlen, "the LZ4 frame has no content checksum", 0);
    if (info->contentSize == 0)
        return fail(err, errlen, "the LZ4 frame does not declare its content size", 0);
    if (info->contentSize > MODULE_MAX_SIZE)
        return fail(err, errlen, "the program is larger than 64 MiB", 0);
    *size = consumed;
    return 0;
}

int module_unpack(const void *src, size_t size, void *(*alloc)(size_t), void **out, size_t *out_size,
                  char *err, size_t errlen)
{
    LZ4F_dctx *d;
    LZ4F_frameInfo_t info;
    size_t header = size, in, outlen, r;
    uint8_t *buf;
    int ret = -1;

    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
        return fail(err, errlen, "out of memory for an LZ4 context", 0);
    if (check_frame(d, src, &header, &info, err, errlen) < 0)
        goto out;
    if (!(buf = alloc(info.contentSize))) {
        fail(err, errlen, "out of memory for the program", 0);
        goto out;
    }
    in = size - header;
    outlen = info.contentSize;
    r = LZ4F_decompress(d, buf, &outlen, (const uint8_t *)src + header, &in, NULL);
    if (LZ4F_isError(r))
        fail(err, errlen, "corrupt LZ4 data", r);
    else if (r != 0 || outlen != info.contentSize)
        fail(err, errlen, "the LZ4 frame is truncated", 0);
    else if (header + in != size)
        fail(err, errlen, "trailing bytes after the LZ4 frame", 0);
    else {
        *out = buf;
        *out_size = outlen;
        ret = 0;
    }
out:
    LZ4F_freeDecompressionContext(d);
    return ret;
}
