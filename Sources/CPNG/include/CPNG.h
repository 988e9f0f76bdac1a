// CPNG: libpng behind a small C interface whose functions never longjmp into the caller.
// Every libpng error (png_error -> longjmp) is caught inside this shim and returned as a
// non-zero status with the message copied into the caller's buffer.
#ifndef GANKIT_CPNG_H
#define GANKIT_CPNG_H

#include <stddef.h>
#include <stdint.h>

/// What a PNG header says, and the layout the decoder will produce from it.
typedef struct {
    uint32_t width;
    uint32_t height;
    int color_type;       ///< as stored: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
    int bit_depth;        ///< as stored: 1, 2, 4, 8 or 16
    int interlaced;       ///< 1 for Adam7
    int has_trns;         ///< 1 when a tRNS chunk is present
    int channels;         ///< after expansion: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    int sample_bytes;     ///< after expansion: 1 or 2 (16-bit samples, host byte order)
} gk_png_info;

/// Reads the header only. Returns 0 on success.
int gk_png_read_info(const uint8_t *data, size_t size, gk_png_info *info,
                     char *message, size_t message_size);

/// Decodes the whole image into `pixels` (interleaved rows, no padding), which must hold exactly
/// width * height * channels * sample_bytes bytes. Palette images become RGB (RGBA with tRNS),
/// gray below 8 bits is scaled to 8 bits, tRNS on gray/RGB becomes alpha; no gamma is applied.
/// Refuses images of more than `max_pixels` pixels before touching `pixels`. Returns 0 on success.
int gk_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, gk_png_info *info,
                  uint8_t *pixels, size_t pixels_size, char *message, size_t message_size);

/// Encodes interleaved pixels (channels 1-4, sample_bytes 1 or 2 in host order) as PNG.
/// On success `*out` holds a malloc'd buffer the caller releases with gk_png_free.
int gk_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                  int sample_bytes, int compression_level, uint8_t **out, size_t *out_size,
                  char *message, size_t message_size);

/// Releases a buffer returned by gk_png_encode.
void gk_png_free(void *buffer);

#endif
