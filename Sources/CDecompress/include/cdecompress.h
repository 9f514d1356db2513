// Whole-buffer gzip and zstd decompression through zlib and libzstd resolved at run time
// with dlopen/dlsym, so that neither library's headers are needed to build and a missing
// libzstd is an error message rather than a link failure.
#ifndef CDECOMPRESS_H
#define CDECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

/// Decompresses `input` (one or more gzip members, or a zlib stream) into a new malloc'd
/// buffer at `*output` holding `*output_count` bytes. Returns 0, or -1 with a message in
/// `error` (the output is then NULL).
int cdecompress_gzip(const uint8_t *input, size_t input_count, uint8_t **output, size_t *output_count,
                     char *error, size_t error_capacity);

/// Decompresses `input` (one or more zstd frames) as `cdecompress_gzip` does gzip.
int cdecompress_zstd(const uint8_t *input, size_t input_count, uint8_t **output, size_t *output_count,
                     char *error, size_t error_capacity);

#endif
