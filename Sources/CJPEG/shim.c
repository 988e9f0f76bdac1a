#include "CJPEG.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

// libjpeg's error manager extended with a jump target and the caller's message buffer.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t message_size;
} gk_jpeg_errors;

typedef struct {
    struct jpeg_progress_mgr base;
    int max_scans;
} gk_jpeg_progress;

static void fail_with_message(j_common_ptr codec) {
    gk_jpeg_errors *errors = (gk_jpeg_errors *)codec->err;
    char text[JMSG_LENGTH_MAX];
    (*codec->err->format_message)(codec, text);
    if (errors->message_size) snprintf(errors->message, errors->message_size, "%s", text);
    longjmp(errors->jump, 1);
}

// Warnings that mean the pixels are wrong (missing or corrupt entropy-coded data) are fatal;
// harmless ones (extraneous bytes between markers, unknown JFIF revision, bad ICC) are ignored.
static void on_message(j_common_ptr codec, int level) {
    if (level >= 0) return;
    switch (codec->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_BOGUS_PROGRESSION:
    case JWRN_NOT_SEQUENTIAL:
        fail_with_message(codec);
    default:
        codec->err->num_warnings++;
    }
}

static void on_progress(j_common_ptr codec) {
    gk_jpeg_progress *progress = (gk_jpeg_progress *)codec->progress;
    if (codec->is_decompressor &&
        ((j_decompress_ptr)codec)->input_scan_number > progress->max_scans) {
        gk_jpeg_errors *errors = (gk_jpeg_errors *)codec->err;
        snprintf(errors->message, errors->message_size, "more than %d progressive scans",
                 progress->max_scans);
        longjmp(errors->jump, 2);
    }
}

static void install_errors(gk_jpeg_errors *errors, char *message, size_t message_size) {
    jpeg_std_error(&errors->base);
    errors->base.error_exit = fail_with_message;
    errors->base.emit_message = on_message;
    errors->message = message;
    errors->message_size = message_size;
}

static void fill_info(j_decompress_ptr codec, gk_jpeg_info *info) {
    info->width = codec->image_width;
    info->height = codec->image_height;
    info->components = codec->num_components;
    info->color_space = codec->jpeg_color_space;
    info->progressive = codec->progressive_mode;
    info->arithmetic = codec->arith_code;
    info->precision = codec->data_precision;
    info->channels = codec->jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
}

int gk_jpeg_read_info(const uint8_t *data, size_t size, gk_jpeg_info *info,
                      char *message, size_t message_size) {
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8) {
        snprintf(message, message_size, "not a JPEG file (no SOI marker)");
        return 1;
    }
    struct jpeg_decompress_struct codec;
    gk_jpeg_errors errors;
    codec.err = NULL;
    install_errors(&errors, message, message_size);
    codec.err = &errors.base;
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&codec);
        return 1;
    }
    jpeg_create_decompress(&codec);
    jpeg_mem_src(&codec, data, (unsigned long)size);
    jpeg_read_header(&codec, TRUE);
    fill_info(&codec, info);
    jpeg_destroy_decompress(&codec);
    return 0;
}

// Adobe writes CMYK inverted (0 = full ink); plain CMYK stores ink amounts directly.
static void cmyk_row_to_rgb(const uint8_t *cmyk, uint8_t *rgb, uint32_t width, int inverted) {
    for (uint32_t x = 0; x < width; x++) {
        unsigned c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
        if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        rgb[3 * x] = (uint8_t)((c * k + 127) / 255);
        rgb[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        rgb[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

int gk_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int max_scans,
                   gk_jpeg_info *info, uint8_t *pixels, size_t pixels_size,
                   char *message, size_t message_size) {
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8) {
        snprintf(message, message_size, "not a JPEG file (no SOI marker)");
        return 1;
    }
    struct jpeg_decompress_struct codec;
    gk_jpeg_errors errors;
    gk_jpeg_progress progress;
    uint8_t *volatile scratch = NULL;
    install_errors(&errors, message, message_size);
    codec.err = &errors.base;
    int jumped = setjmp(errors.jump);
    if (jumped) {
        free(scratch);
        jpeg_destroy_decompress(&codec);
        return jumped == 2 ? 2 : 1;
    }
    jpeg_create_decompress(&codec);
    progress.base.progress_monitor = on_progress;
    progress.max_scans = max_scans;
    codec.progress = &progress.base;
    codec.mem->max_memory_to_use = 2048L * 1024 * 1024;
    jpeg_mem_src(&codec, data, (unsigned long)size);
    jpeg_read_header(&codec, TRUE);
    fill_info(&codec, info);
    if ((uint64_t)info->width * (uint64_t)info->height > max_pixels) {
        snprintf(message, message_size, "image is %ux%u, over the limit of %llu pixels",
                 info->width, info->height, (unsigned long long)max_pixels);
        jpeg_destroy_decompress(&codec);
        return 2;
    }
    int cmyk = codec.jpeg_color_space == JCS_CMYK || codec.jpeg_color_space == JCS_YCCK;
    codec.out_color_space = info->channels == 1 ? JCS_GRAYSCALE : (cmyk ? JCS_CMYK : JCS_RGB);
    codec.dct_method = JDCT_ISLOW;
    size_t row_bytes = (size_t)info->width * info->channels;
    if (row_bytes * info->height != pixels_size) {
        snprintf(message, message_size, "output buffer has the wrong size");
        jpeg_destroy_decompress(&codec);
        return 1;
    }
    jpeg_start_decompress(&codec);
    if (cmyk) {
        scratch = malloc((size_t)info->width * 4);
        if (!scratch) ERREXIT1(&codec, JERR_OUT_OF_MEMORY, 0);
    }
    while (codec.output_scanline < codec.output_height) {
        uint8_t *row = pixels + (size_t)codec.output_scanline * row_bytes;
        JSAMPROW target = cmyk ? scratch : row;
        if (jpeg_read_scanlines(&codec, &target, 1) != 1) {
            snprintf(message, message_size, "decoder stopped before the last row");
            longjmp(errors.jump, 1);
        }
        if (cmyk) cmyk_row_to_rgb(scratch, row, info->width, codec.saw_Adobe_marker);
    }
    jpeg_finish_decompress(&codec);
    free(scratch);
    jpeg_destroy_decompress(&codec);
    return 0;
}

int gk_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                   int quality, const uint8_t *app1, size_t app1_size,
                   uint8_t **out, size_t *out_size, char *message, size_t message_size) {
    if ((channels != 1 && channels != 3) || !width || !height || width > 65500 || height > 65500) {
        snprintf(message, message_size, "cannot encode %d channels at %ux%u as JPEG",
                 channels, width, height);
        return 1;
    }
    struct {
        unsigned char *buffer;
        unsigned long size;
    } volatile_dest = {NULL, 0};
    struct jpeg_compress_struct codec;
    gk_jpeg_errors errors;
    install_errors(&errors, message, message_size);
    codec.err = &errors.base;
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&codec);
        free(volatile_dest.buffer);
        return 1;
    }
    jpeg_create_compress(&codec);
    jpeg_mem_dest(&codec, &volatile_dest.buffer, &volatile_dest.size);
    codec.image_width = width;
    codec.image_height = height;
    codec.input_components = channels;
    codec.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&codec);
    jpeg_set_quality(&codec, quality < 1 ? 1 : (quality > 100 ? 100 : quality), TRUE);
    codec.optimize_coding = TRUE;
    if (channels == 3 && quality >= 90) {  // keep full chroma resolution at high quality
        for (int c = 0; c < 3; c++) codec.comp_info[c].h_samp_factor = codec.comp_info[c].v_samp_factor = 1;
    }
    jpeg_start_compress(&codec, TRUE);
    if (app1 && app1_size > 0 && app1_size <= 65533)
        jpeg_write_marker(&codec, JPEG_APP0 + 1, app1, (unsigned int)app1_size);
    size_t row_bytes = (size_t)width * channels;
    while (codec.next_scanline < codec.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)codec.next_scanline * row_bytes);
        jpeg_write_scanlines(&codec, &row, 1);
    }
    jpeg_finish_compress(&codec);
    jpeg_destroy_compress(&codec);
    *out = volatile_dest.buffer;
    *out_size = volatile_dest.size;
    return 0;
}

void gk_jpeg_free(void *buffer) { free(buffer); }
