#include "CPNG.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// One read or write in progress: the bytes, a cursor, and where to jump on error.
typedef struct {
    jmp_buf jump;
    const uint8_t *data;
    size_t size;
    size_t position;
    uint8_t *out;          // encoder output, grown by realloc
    size_t out_size;
    size_t out_capacity;
    char *message;
    size_t message_size;
} gk_png_context;

static void set_message(gk_png_context *ctx, const char *text) {
    if (ctx->message && ctx->message_size > 0) snprintf(ctx->message, ctx->message_size, "%s", text);
}

static void on_error(png_structp png, png_const_charp text) {
    gk_png_context *ctx = (gk_png_context *)png_get_error_ptr(png);
    set_message(ctx, text);
    longjmp(ctx->jump, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    // Warnings (bad ancillary CRCs, odd profiles) do not fail a decode, with one exception:
    // libpng reports a chunk longer than its chunk limit (8 MB) as a benign error, that is a
    // warning, and then allocates the declared length anyway: up to 2 GB for a few bytes of
    // input (found by tools/fuzz.sh image; Fixtures/fuzz/image/oversized-exif-chunk.png).
    if (strstr(text, "chunk data is too large")) png_error(png, text);
}

static void read_bytes(png_structp png, png_bytep into, png_size_t count) {
    gk_png_context *ctx = (gk_png_context *)png_get_io_ptr(png);
    if (count > ctx->size - ctx->position) png_error(png, "unexpected end of file (truncated PNG)");
    memcpy(into, ctx->data + ctx->position, count);
    ctx->position += count;
}

static void write_bytes(png_structp png, png_bytep from, png_size_t count) {
    gk_png_context *ctx = (gk_png_context *)png_get_io_ptr(png);
    if (ctx->out_capacity - ctx->out_size < count) {
        size_t capacity = ctx->out_capacity ? ctx->out_capacity : 65536;
        while (capacity - ctx->out_size < count) capacity *= 2;
        uint8_t *grown = realloc(ctx->out, capacity);
        if (!grown) png_error(png, "out of memory while encoding PNG");
        ctx->out = grown;
        ctx->out_capacity = capacity;
    }
    memcpy(ctx->out + ctx->out_size, from, count);
    ctx->out_size += count;
}

static void flush_bytes(png_structp png) { (void)png; }

// Reads the header of an opened read struct and fills `info` with the stored and expanded layout.
static void read_header(png_structp png, png_infop header, gk_png_info *info) {
    png_read_info(png, header);
    info->width = png_get_image_width(png, header);
    info->height = png_get_image_height(png, header);
    info->color_type = png_get_color_type(png, header);
    info->bit_depth = png_get_bit_depth(png, header);
    info->interlaced = png_get_interlace_type(png, header) != PNG_INTERLACE_NONE;
    info->has_trns = png_get_valid(png, header, PNG_INFO_tRNS) != 0;
    int color_channels = (info->color_type & PNG_COLOR_MASK_COLOR) ? 3 : 1;
    int alpha = (info->color_type & PNG_COLOR_MASK_ALPHA) || info->has_trns;
    info->channels = color_channels + (alpha ? 1 : 0);
    info->sample_bytes = info->bit_depth == 16 ? 2 : 1;
}

static int check_signature(const uint8_t *data, size_t size, char *message, size_t message_size) {
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(message, message_size, "not a PNG file (bad signature)");
        return 1;
    }
    return 0;
}

int gk_png_read_info(const uint8_t *data, size_t size, gk_png_info *info,
                     char *message, size_t message_size) {
    if (check_signature(data, size, message, message_size)) return 1;
    gk_png_context ctx = {0};
    ctx.data = data; ctx.size = size; ctx.message = message; ctx.message_size = message_size;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (!png) { snprintf(message, message_size, "out of memory"); return 1; }
    png_infop header = png_create_info_struct(png);
    if (!header || setjmp(ctx.jump)) {
        if (!header) snprintf(message, message_size, "out of memory");
        png_destroy_read_struct(&png, header ? &header : NULL, NULL);
        return 1;
    }
    png_set_read_fn(png, &ctx, read_bytes);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    read_header(png, header, info);
    png_destroy_read_struct(&png, &header, NULL);
    return 0;
}

int gk_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, gk_png_info *info,
                  uint8_t *pixels, size_t pixels_size, char *message, size_t message_size) {
    if (check_signature(data, size, message, message_size)) return 1;
    gk_png_context ctx = {0};
    ctx.data = data; ctx.size = size; ctx.message = message; ctx.message_size = message_size;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (!png) { snprintf(message, message_size, "out of memory"); return 1; }
    png_infop header = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    if (!header || setjmp(ctx.jump)) {
        if (!header) snprintf(message, message_size, "out of memory");
        free(rows);
        png_destroy_read_struct(&png, header ? &header : NULL, NULL);
        return 1;
    }
    png_set_read_fn(png, &ctx, read_bytes);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    read_header(png, header, info);
    if ((uint64_t)info->width * (uint64_t)info->height > max_pixels) {
        snprintf(message, message_size, "image is %ux%u, over the limit of %llu pixels",
                 info->width, info->height, (unsigned long long)max_pixels);
        png_destroy_read_struct(&png, &header, NULL);
        return 2;
    }
    png_set_expand(png);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (info->bit_depth == 16) png_set_swap(png);
#endif
    png_set_interlace_handling(png);
    png_read_update_info(png, header);

    size_t row_bytes = (size_t)info->width * info->channels * info->sample_bytes;
    if (png_get_rowbytes(png, header) != row_bytes || png_get_channels(png, header) != info->channels) {
        snprintf(message, message_size, "unexpected layout after expansion");
        png_destroy_read_struct(&png, &header, NULL);
        return 1;
    }
    if (row_bytes * info->height != pixels_size) {
        snprintf(message, message_size, "output buffer has the wrong size");
        png_destroy_read_struct(&png, &header, NULL);
        return 1;
    }
    rows = malloc(sizeof(png_bytep) * info->height);
    if (!rows) png_error(png, "out of memory");
    for (uint32_t y = 0; y < info->height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &header, NULL);
    return 0;
}

int gk_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                  int sample_bytes, int compression_level, uint8_t **out, size_t *out_size,
                  char *message, size_t message_size) {
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGBA};
    if (channels < 1 || channels > 4 || (sample_bytes != 1 && sample_bytes != 2) || !width || !height) {
        snprintf(message, message_size, "cannot encode %d channels of %d-byte samples at %ux%u",
                 channels, sample_bytes, width, height);
        return 1;
    }
    gk_png_context ctx = {0};
    ctx.message = message; ctx.message_size = message_size;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (!png) { snprintf(message, message_size, "out of memory"); return 1; }
    png_infop header = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    if (!header || setjmp(ctx.jump)) {
        if (!header) snprintf(message, message_size, "out of memory");
        free(rows);
        free(ctx.out);
        png_destroy_write_struct(&png, header ? &header : NULL);
        return 1;
    }
    png_set_write_fn(png, &ctx, write_bytes, flush_bytes);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, header, width, height, sample_bytes * 8, color_types[channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, header);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (sample_bytes == 2) png_set_swap(png);
#endif
    size_t row_bytes = (size_t)width * channels * sample_bytes;
    rows = malloc(sizeof(png_bytep) * height);
    if (!rows) png_error(png, "out of memory");
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * row_bytes);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &header);
    *out = ctx.out;
    *out_size = ctx.out_size;
    return 0;
}

void gk_png_free(void *buffer) { free(buffer); }
