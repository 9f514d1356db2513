#include "cdecompress.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// zlib's z_stream, member for member (uInt is unsigned int, uLong unsigned long).
typedef struct {
    const uint8_t *next_in;
    unsigned int avail_in;
    unsigned long total_in;
    uint8_t *next_out;
    unsigned int avail_out;
    unsigned long total_out;
    const char *msg;
    void *state;
    void *zalloc;
    void *zfree;
    void *opaque;
    int data_type;
    unsigned long adler;
    unsigned long reserved;
} zlib_stream;

enum { Z_OK = 0, Z_STREAM_END = 1, Z_NO_FLUSH = 0, Z_BUF_ERROR = -5 };

// zstd's ZSTD_inBuffer and ZSTD_outBuffer.
typedef struct { const void *src; size_t size; size_t pos; } zstd_in;
typedef struct { void *dst; size_t size; size_t pos; } zstd_out;

/// Grows `*buffer` (of `*capacity` bytes) to at least `needed` bytes; 0 on success.
static int grow(uint8_t **buffer, size_t *capacity, size_t needed) {
    if (needed <= *capacity) return 0;
    size_t larger = *capacity ? *capacity : 1 << 20;
    while (larger < needed) larger *= 2;
    uint8_t *grown = realloc(*buffer, larger);
    if (!grown) return -1;
    *buffer = grown;
    *capacity = larger;
    return 0;
}

/// Gives back the unused end of a buffer grown by doubling.
static uint8_t *shrink(uint8_t *buffer, size_t filled) {
    uint8_t *fitted = realloc(buffer, filled ? filled : 1);
    return fitted ? fitted : buffer;
}

static void *open_library(const char *name, const char *package, char *error, size_t error_capacity) {
    void *library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!library) snprintf(error, error_capacity, "reading it needs %s (Debian package %s), which is not installed", name, package);
    return library;
}

int cdecompress_gzip(const uint8_t *input, size_t input_count, uint8_t **output, size_t *output_count,
                     char *error, size_t error_capacity) {
    *output = NULL;
    *output_count = 0;
    void *library = open_library("libz.so.1", "zlib1g", error, error_capacity);
    if (!library) return -1;
    const char *(*zlibVersion)(void) = (const char *(*)(void))dlsym(library, "zlibVersion");
    int (*inflateInit2_)(zlib_stream *, int, const char *, int) =
        (int (*)(zlib_stream *, int, const char *, int))dlsym(library, "inflateInit2_");
    int (*inflate)(zlib_stream *, int) = (int (*)(zlib_stream *, int))dlsym(library, "inflate");
    int (*inflateReset)(zlib_stream *) = (int (*)(zlib_stream *))dlsym(library, "inflateReset");
    int (*inflateEnd)(zlib_stream *) = (int (*)(zlib_stream *))dlsym(library, "inflateEnd");
    if (!zlibVersion || !inflateInit2_ || !inflate || !inflateReset || !inflateEnd) {
        snprintf(error, error_capacity, "libz.so.1 lacks the inflate functions");
        dlclose(library);
        return -1;
    }
    zlib_stream stream;
    memset(&stream, 0, sizeof stream);
    // 15 + 32: the largest window, gzip or zlib header detected.
    if (inflateInit2_(&stream, 15 + 32, zlibVersion(), (int)sizeof stream) != Z_OK) {
        snprintf(error, error_capacity, "zlib could not start (version %s)", zlibVersion());
        dlclose(library);
        return -1;
    }
    uint8_t *buffer = NULL;
    size_t capacity = 0, filled = 0, consumed = 0;
    int status = 0;
    while (1) {
        if (grow(&buffer, &capacity, filled + (1 << 20)) != 0) {
            snprintf(error, error_capacity, "out of memory after %zu decompressed bytes", filled);
            status = -1;
            break;
        }
        size_t in_chunk = input_count - consumed < (1u << 30) ? input_count - consumed : (1u << 30);
        size_t out_chunk = capacity - filled < (1u << 30) ? capacity - filled : (1u << 30);
        stream.next_in = input + consumed;
        stream.avail_in = (unsigned int)in_chunk;
        stream.next_out = buffer + filled;
        stream.avail_out = (unsigned int)out_chunk;
        int result = inflate(&stream, Z_NO_FLUSH);
        consumed += in_chunk - stream.avail_in;
        filled += out_chunk - stream.avail_out;
        if (result == Z_STREAM_END) {
            // Concatenated gzip members (as `cat a.gz b.gz` makes) form one file.
            while (consumed < input_count && input[consumed] == 0) consumed++;
            if (consumed == input_count) break;
            inflateReset(&stream);
            continue;
        }
        if (result == Z_BUF_ERROR && consumed == input_count) {
            snprintf(error, error_capacity, "the gzip data ends early (truncated after %zu decompressed bytes)", filled);
            status = -1;
            break;
        }
        if (result != Z_OK && result != Z_BUF_ERROR) {
            snprintf(error, error_capacity, "the gzip data is corrupt (%s)", stream.msg ? stream.msg : "zlib error");
            status = -1;
            break;
        }
    }
    inflateEnd(&stream);
    dlclose(library);
    if (status != 0) {
        free(buffer);
        return -1;
    }
    *output = shrink(buffer, filled);
    *output_count = filled;
    return 0;
}

int cdecompress_zstd(const uint8_t *input, size_t input_count, uint8_t **output, size_t *output_count,
                     char *error, size_t error_capacity) {
    *output = NULL;
    *output_count = 0;
    void *library = open_library("libzstd.so.1", "libzstd1", error, error_capacity);
    if (!library) return -1;
    void *(*createDStream)(void) = (void *(*)(void))dlsym(library, "ZSTD_createDStream");
    size_t (*freeDStream)(void *) = (size_t (*)(void *))dlsym(library, "ZSTD_freeDStream");
    size_t (*decompressStream)(void *, zstd_out *, zstd_in *) =
        (size_t (*)(void *, zstd_out *, zstd_in *))dlsym(library, "ZSTD_decompressStream");
    unsigned (*isError)(size_t) = (unsigned (*)(size_t))dlsym(library, "ZSTD_isError");
    const char *(*getErrorName)(size_t) = (const char *(*)(size_t))dlsym(library, "ZSTD_getErrorName");
    if (!createDStream || !freeDStream || !decompressStream || !isError || !getErrorName) {
        snprintf(error, error_capacity, "libzstd.so.1 lacks the streaming decompression functions");
        dlclose(library);
        return -1;
    }
    void *stream = createDStream();
    uint8_t *buffer = NULL;
    size_t capacity = 0, filled = 0;
    zstd_in in = {input, input_count, 0};
    size_t pending = 1;
    int status = 0;
    while (in.pos < in.size || pending != 0) {
        if (grow(&buffer, &capacity, filled + (1 << 20)) != 0) {
            snprintf(error, error_capacity, "out of memory after %zu decompressed bytes", filled);
            status = -1;
            break;
        }
        zstd_out out = {buffer + filled, capacity - filled, 0};
        size_t before = in.pos;
        pending = decompressStream(stream, &out, &in);
        filled += out.pos;
        if (isError(pending)) {
            snprintf(error, error_capacity, "the zstd data is corrupt (%s)", getErrorName(pending));
            status = -1;
            break;
        }
        if (in.pos == in.size && pending != 0 && out.pos == 0 && before == in.pos) {
            snprintf(error, error_capacity, "the zstd data ends early (truncated after %zu decompressed bytes)", filled);
            status = -1;
            break;
        }
    }
    freeDStream(stream);
    dlclose(library);
    if (status != 0) {
        free(buffer);
        return -1;
    }
    *output = shrink(buffer, filled);
    *output_count = filled;
    return 0;
}
