// gzip / zlib inflate over a memory buffer (zlib's inflate with automatic header detection).
// Concatenated gzip members are inflated one after another, as gunzip does.
#include "CKernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int fail(char *err, size_t err_cap, const char *message, z_stream *stream, unsigned char *buffer) {
    if (err && err_cap) snprintf(err, err_cap, "%s", message);
    if (stream) inflateEnd(stream);
    free(buffer);
    return -1;
}

int gk_gunzip(const unsigned char *src, size_t src_len, size_t max_out,
              unsigned char **out, size_t *out_len, char *err, size_t err_cap) {
    *out = NULL;
    *out_len = 0;
    size_t capacity = src_len * 4 + 1024;
    if (capacity > max_out) capacity = max_out ? max_out : 1;
    unsigned char *buffer = malloc(capacity);
    if (!buffer) return fail(err, err_cap, "out of memory", NULL, NULL);

    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, 15 + 32) != Z_OK) return fail(err, err_cap, "inflateInit2 failed", NULL, buffer);
    size_t consumed = 0, produced = 0;
    for (;;) {
        if (produced == capacity) {
            if (capacity >= max_out) return fail(err, err_cap, "inflated size exceeds the limit", &stream, buffer);
            size_t grown = capacity * 2 > max_out ? max_out : capacity * 2;
            unsigned char *bigger = realloc(buffer, grown);
            if (!bigger) return fail(err, err_cap, "out of memory", &stream, buffer);
            buffer = bigger;
            capacity = grown;
        }
        size_t in_chunk = src_len - consumed, out_chunk = capacity - produced;
        if (in_chunk > 1u << 30) in_chunk = 1u << 30;
        if (out_chunk > 1u << 30) out_chunk = 1u << 30;
        stream.next_in = (unsigned char *)src + consumed;
        stream.avail_in = (uInt)in_chunk;
        stream.next_out = buffer + produced;
        stream.avail_out = (uInt)out_chunk;
        int status = inflate(&stream, Z_NO_FLUSH);
        consumed += in_chunk - stream.avail_in;
        produced += out_chunk - stream.avail_out;
        if (status == Z_STREAM_END) {
            if (consumed == src_len) break;
            if (inflateReset(&stream) != Z_OK) return fail(err, err_cap, "inflateReset failed", &stream, buffer);
            continue;
        }
        if (status == Z_BUF_ERROR && consumed == src_len && stream.avail_out > 0)
            return fail(err, err_cap, "truncated compressed data", &stream, buffer);
        if (status != Z_OK && status != Z_BUF_ERROR)
            return fail(err, err_cap, stream.msg ? stream.msg : "corrupt compressed data", &stream, buffer);
    }
    inflateEnd(&stream);
    *out = buffer;
    *out_len = produced;
    return 0;
}

void gk_free(void *pointer) { free(pointer); }
