// CJPEG: libjpeg-turbo behind a small C interface whose functions never longjmp into the caller.
// Fatal errors and data-corruption warnings are caught inside this shim and returned as a
// non-zero status with the message copied into the caller's buffer: a damaged file is an error,
// never a partially grey image returned as success.
#ifndef GANKIT_CJPEG_H
#define GANKIT_CJPEG_H

#include <stddef.h>
#include <stdint.h>

/// What a JPEG header says.
typedef struct {
    uint32_t width;
    uint32_t height;
    int components;       ///< components in the file: 1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK
    int color_space;      ///< 1 gray, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK (libjpeg's J_COLOR_SPACE)
    int progressive;      ///< 1 for a progressive (SOF2) file
    int arithmetic;       ///< 1 for arithmetic coding
    int precision;        ///< bits per sample (8; 12 is refused by the decoder)
    int channels;         ///< channels the decoder produces: 1 gray or 3 RGB
} gk_jpeg_info;

/// Reads the header only. Returns 0 on success.
int gk_jpeg_read_info(const uint8_t *data, size_t size, gk_jpeg_info *info,
                      char *message, size_t message_size);

/// Decodes into `pixels` (interleaved 8-bit rows), which must hold width * height * channels
/// bytes. CMYK and YCCK are converted to RGB. Refuses more than `max_pixels` pixels or more than
/// `max_scans` progressive scans. Returns 0 on success, 2 when over a limit.
int gk_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int max_scans,
                   gk_jpeg_info *info, uint8_t *pixels, size_t pixels_size,
                   char *message, size_t message_size);

/// Encodes 8-bit gray (channels 1) or RGB (channels 3) pixels as baseline JPEG at `quality`
/// (1-100), with an optional APP1 segment (`app1`, e.g. EXIF) written after the header.
/// On success `*out` is a malloc'd buffer released with gk_jpeg_free.
int gk_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                   int quality, const uint8_t *app1, size_t app1_size,
                   uint8_t **out, size_t *out_size, char *message, size_t message_size);

/// Releases a buffer returned by gk_jpeg_encode.
void gk_jpeg_free(void *buffer);

#endif
