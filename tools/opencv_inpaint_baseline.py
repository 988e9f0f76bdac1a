#!/usr/bin/env python3
"""OpenCV's inpainting baseline (cv2.inpaint, TELEA and NS) beside GANKit's Telea, measured in
the hole with the same L1, PSNR and SSIM as GANInpainting's HoleMetrics.

How to run (from the repository root, after `swift build -c release --product gantool`):
    pip install opencv-python-headless numpy
    python3 tools/opencv_inpaint_baseline.py [--data ../shared/data] [--faces 48] [--radius 5]
                                             [--gantool .build/release/gantool] [--json]

Two sets:
  faces     The first --faces images of celeba-aligned-subset/test (178x218, held out), each with
            one of the 16 real free-form masks of inpaint-examples (mask i % 16, centre-cropped
            to 178x218). The originals are the ground truth: L1, PSNR and SSIM in the hole.
  examples  The 16 pairs of inpaint-examples themselves. Their images come with the hole
            already painted white, so there is no ground truth in the hole; for them the script
            checks that gantool keeps every known pixel and reports how far each method is from
            OpenCV TELEA in the hole (agreement, not quality).

Metrics (same definitions as Sources/GANInpainting/HoleMetrics.swift): samples scaled to [0, 1],
per colour channel (R, G, B), averaged over hole pixels and channels. L1 = mean |a - b|;
PSNR = 10 log10(1 / MSE); SSIM = Wang et al. 2004 with an 11x11 Gaussian window, sigma 1.5,
C1 = 0.01^2, C2 = 0.03^2, computed over the whole image (window cut at the edges and
renormalised), its map averaged over the hole. Per-image numbers are averaged over images.
Work files go to a temporary folder; no dataset image is written into the repository.

Bucket mode (the OpenCV rows of `gantool eval inpaint`):
    gantool eval inpaint --images DIR [--model NAME] --masks-out MASKS      # writes the masks + metrics.json
    python3 tools/opencv_inpaint_baseline.py --masks MASKS --images DIR -o opencv.json
    gantool eval inpaint --images DIR [--model NAME] --opencv opencv.json   # merges the rows
  reads MASKS/metrics.json (photo list, seed, buckets) and MASKS/<bucket>/<photo>.png, paints each hole
  white as gantool does, runs cv2.INPAINT_TELEA and cv2.INPAINT_NS (--radius) and writes the mean
  L1/PSNR/SSIM per bucket. It cross-checks the metric code against gantool's per-photo numbers: where
  the decoded photo has gantool's checksum, the metrics of a mid-gray fill must agree to 1e-9.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import cv2
import numpy as np


def gaussian_blur(a):
    """Separable 11-tap Gaussian (sigma 1.5), window cut at the edges and renormalised."""
    g = np.exp(-np.arange(-5, 6) ** 2 / (2 * 1.5 ** 2))
    g /= g.sum()

    def one(a, axis):
        pad = [(0, 0)] * a.ndim
        pad[axis] = (5, 5)
        p, ones = np.pad(a, pad), np.pad(np.ones_like(a), pad)
        n = a.shape[axis]
        num = sum(g[k] * np.take(p, range(k, k + n), axis=axis) for k in range(11))
        den = sum(g[k] * np.take(ones, range(k, k + n), axis=axis) for k in range(11))
        return num / den

    return one(one(a, 1), 0)


def ssim_map(x, y):
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    mx, my = gaussian_blur(x), gaussian_blur(y)
    vx, vy = gaussian_blur(x * x) - mx * mx, gaussian_blur(y * y) - my * my
    cov = gaussian_blur(x * y) - mx * my
    return ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))


def hole_metrics(result, reference, hole):
    """(L1, PSNR, SSIM) in the hole; images H x W x C uint8, hole H x W bool."""
    a, b = result.astype(np.float64) / 255, reference.astype(np.float64) / 255
    l1 = np.abs(a - b)[hole].mean()
    mse = ((a - b) ** 2)[hole].mean()
    psnr = float('inf') if mse == 0 else 10 * np.log10(1 / mse)
    ssim = np.mean([ssim_map(a[..., c], b[..., c])[hole].mean() for c in range(a.shape[2])])
    return l1, psnr, ssim


def self_test():
    """The 4x5 case Tests/GANInpaintingTests/MetricsTests.swift checks (0.8119711467998671)."""
    x = (np.arange(20).reshape(4, 5) * 13 % 256) / 255.0
    y = ((np.arange(20).reshape(4, 5) * 7 + 30) % 256) / 255.0
    m = np.zeros((4, 5), bool)
    m[1:3, 1:4] = True
    value = ssim_map(x, y)[m].mean()
    assert abs(value - 0.8119711467998671) < 1e-12, value


def checksum(rgb):
    """gantool's InpaintEvaluation.checksum: sum of sample * (i mod 65521 + 1) over interleaved RGB samples."""
    flat = rgb.reshape(-1).astype(np.int64)
    return int((flat * (np.arange(flat.size, dtype=np.int64) % 65521 + 1)).sum())


def bucket_mode(args):
    with open(os.path.join(args.masks, 'metrics.json')) as f:
        meta = json.load(f)
    methods = {'OpenCV TELEA': cv2.INPAINT_TELEA, 'OpenCV NS': cv2.INPAINT_NS}
    values = {m: {b: [] for b in meta['buckets']} for m in methods}
    checked = decoded_differently = 0
    worst = 0.0
    cache = {}
    for entry in meta['images']:
        name = entry['photo']
        if name not in cache:
            cache.clear()
            bgr = cv2.imread(os.path.join(args.images, name), cv2.IMREAD_COLOR)
            if bgr is None:
                raise SystemExit(f'{os.path.join(args.images, name)}: cannot read')
            cache[name] = bgr
        bgr = cache[name]
        hole = read_mask(os.path.join(args.masks, entry['mask']))
        if hole.shape != bgr.shape[:2]:
            raise SystemExit(f'{entry["mask"]}: mask is {hole.shape[::-1]}, photo {name} is {bgr.shape[1::-1]}')
        holed = bgr.copy()
        holed[hole] = 255
        rgb = bgr[..., ::-1]
        if checksum(np.ascontiguousarray(rgb)) == entry['checksum']:
            gray = rgb.copy()
            gray[hole] = 128
            ours = hole_metrics(gray, rgb, hole)
            theirs = entry['gray']
            for a, b in zip(ours, (theirs['l1'], theirs['psnr'], theirs['ssim'])):
                worst = max(worst, abs(a - float(b)))
            checked += 1
        else:
            decoded_differently += 1
        for method, flag in methods.items():
            filled = cv2.inpaint(holed, hole.astype(np.uint8) * 255, args.radius, flag)
            values[method][entry['bucket']].append(hole_metrics(filled[..., ::-1], rgb, hole))
    if checked == 0:
        raise SystemExit('no photo decoded to the pixels gantool measured: the metric cross-check could not run')
    if worst > 1e-9:
        raise SystemExit(f'metric cross-check failed: numpy and gantool differ by {worst:g} on a mid-gray fill')
    rows = []
    for method in methods:
        buckets = []
        for b in meta['buckets']:
            v = np.array(values[method][b])
            buckets.append({'bucket': b, 'l1': float(v[:, 0].mean()), 'psnr': float(v[:, 1].mean()),
                            'ssim': float(v[:, 2].mean()), 'images': int(len(v))})
        rows.append({'method': method, 'buckets': buckets})
    out = {'format': 'gankit-inpaint-opencv/1', 'opencv': cv2.__version__, 'seed': meta['seed'], 'photos': meta['photos'],
           'radius': args.radius, 'rows': rows,
           'check': {'photos_compared': checked, 'photos_decoded_differently': decoded_differently, 'max_metric_difference': worst}}
    text = json.dumps(out, indent=2)
    if args.output:
        tmp = args.output + '.tmp'
        with open(tmp, 'w') as f:
            f.write(text + '\n')
        os.replace(tmp, args.output)
    print(f'OpenCV {cv2.__version__}: {meta["photos"]} photos x {len(meta["buckets"])} buckets; metric cross-check on '
          f'{checked} photo masks: max difference {worst:.2g} ({decoded_differently} decoded differently, skipped)', file=sys.stderr)
    for row in rows:
        print(row['method'], ' '.join(f'{b["bucket"]}%: L1 {b["l1"]:.4f} PSNR {b["psnr"]:.2f} SSIM {b["ssim"]:.4f}' for b in row['buckets']),
              file=sys.stderr)
    if not args.output:
        print(text)
    return 0


def read_mask(path):
    return cv2.imread(path, cv2.IMREAD_GRAYSCALE) >= 128          # white = hole, as gantool


def run_gantool(gantool, images, masks, out, radius):
    subprocess.run([gantool, 'inpaint', images, '--masks', masks, '-o', out, '--radius', str(radius), '-q'], check=True)


def table(title, rows, header):
    print(f'\n{title}')
    print(f'| {"method":<22} | ' + ' | '.join(f'{h:>8}' for h in header) + ' |')
    print('|' + '-' * 24 + '|' + '|'.join('-' * 10 for _ in header) + '|')
    for name, values in rows.items():
        print(f'| {name:<22} | ' + ' | '.join(f'{v:8.4f}' if abs(v) < 10 else f'{v:8.2f}' for v in values) + ' |')


def faces_set(args, work):
    examples = os.path.join(args.data, 'inpaint-examples')
    masks = sorted(glob.glob(os.path.join(examples, '*', 'masks', '*.png')))
    faces = sorted(glob.glob(os.path.join(args.data, 'celeba-aligned-subset', 'test', '*.jpg')))[:args.faces]
    os.makedirs(os.path.join(work, 'images')), os.makedirs(os.path.join(work, 'masks'))
    pairs = []
    for i, path in enumerate(faces):
        image = cv2.imread(path)
        mask = cv2.imread(masks[i % len(masks)], cv2.IMREAD_GRAYSCALE)
        h, w = image.shape[:2]
        y, x = (mask.shape[0] - h) // 2, (mask.shape[1] - w) // 2
        mask = mask[y:y + h, x:x + w]
        name = f'{i:04d}.png'
        cv2.imwrite(os.path.join(work, 'images', name), image)
        cv2.imwrite(os.path.join(work, 'masks', name), mask)
        pairs.append(name)
    methods = {
        'OpenCV TELEA': lambda im, m, n: cv2.inpaint(im, m.astype(np.uint8) * 255, args.radius, cv2.INPAINT_TELEA),
        'OpenCV NS': lambda im, m, n: cv2.inpaint(im, m.astype(np.uint8) * 255, args.radius, cv2.INPAINT_NS),
    }
    if args.gantool:
        run_gantool(args.gantool, os.path.join(work, 'images'), os.path.join(work, 'masks'), os.path.join(work, 'ours'), args.radius)
        methods['GANKit Telea'] = lambda im, m, n: cv2.imread(os.path.join(work, 'ours', n))
    results, holes = {}, []
    for method, fill in methods.items():
        per_image = []
        for name in pairs:
            image = cv2.imread(os.path.join(work, 'images', name))
            hole = read_mask(os.path.join(work, 'masks', name))
            per_image.append(hole_metrics(fill(image, hole, name), image, hole))
            if method == 'OpenCV TELEA':
                holes.append(hole.mean())
        results[method] = list(np.mean(per_image, axis=0))
    title = (f'faces: {len(pairs)} celeba-aligned-subset test faces x the 16 inpaint-examples masks '
             f'(hole {100 * np.mean(holes):.1f}% on average), radius {args.radius}')
    return title, results


def examples_set(args, work):
    examples = os.path.join(args.data, 'inpaint-examples')
    pairs = []
    for group in ('celeba', 'places2', 'psv'):
        images, masks, ours = (os.path.join(examples, group, 'images'), os.path.join(examples, group, 'masks'),
                               os.path.join(work, 'ours', group))
        if args.gantool:
            run_gantool(args.gantool, images, masks, ours, args.radius)
        pairs += [(p, os.path.join(masks, os.path.basename(p)), os.path.join(ours, os.path.basename(p)))
                  for p in sorted(glob.glob(os.path.join(images, '*.png')))]
    agreement = {'OpenCV NS': []}
    if args.gantool:
        agreement['GANKit Telea'] = []
    untouched = True
    for image_path, mask_path, ours_path in pairs:
        image, hole = cv2.imread(image_path), read_mask(mask_path)
        telea = cv2.inpaint(image, hole.astype(np.uint8) * 255, args.radius, cv2.INPAINT_TELEA)
        agreement['OpenCV NS'].append(hole_metrics(cv2.inpaint(image, hole.astype(np.uint8) * 255, args.radius, cv2.INPAINT_NS), telea, hole))
        if args.gantool:
            ours = cv2.imread(ours_path)
            untouched &= bool(np.array_equal(ours[~hole], image[~hole]))
            agreement['GANKit Telea'].append(hole_metrics(ours, telea, hole))
    title = (f'examples: the {len(pairs)} inpaint-examples pairs (holes pre-painted white: no ground truth); '
             f'distance to OpenCV TELEA in the hole' + (f'; gantool kept every known pixel: {untouched}' if args.gantool else ''))
    return title, {k: list(np.mean(v, axis=0)) for k, v in agreement.items()}, untouched


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default='../shared/data', help='folder holding inpaint-examples and celeba-aligned-subset')
    parser.add_argument('--faces', type=int, default=48, help='test faces to measure')
    parser.add_argument('--radius', type=int, default=5, help='inpainting radius for every method')
    parser.add_argument('--gantool', default='.build/release/gantool' if os.path.exists('.build/release/gantool') else None,
                        help='gantool binary to measure beside OpenCV (default: .build/release/gantool when built)')
    parser.add_argument('--json', action='store_true', help='print the numbers as JSON as well')
    parser.add_argument('--masks', help='bucket mode: the --masks-out folder of gantool eval inpaint')
    parser.add_argument('--images', help='bucket mode: the photo folder gantool eval inpaint read')
    parser.add_argument('-o', '--output', help='bucket mode: the JSON file to write (for gantool eval inpaint --opencv)')
    args = parser.parse_args()
    self_test()
    if args.masks:
        if not args.images:
            parser.error('--masks needs --images (the photo folder gantool eval inpaint read)')
        return bucket_mode(args)
    work = tempfile.mkdtemp(prefix='inpaint-baseline-')
    try:
        faces_title, faces = faces_set(args, os.path.join(work, 'faces'))
        examples_title, examples, untouched = examples_set(args, os.path.join(work, 'examples'))
    finally:
        shutil.rmtree(work)
    print(f'OpenCV {cv2.__version__}')
    table(faces_title, faces, ['L1', 'PSNR dB', 'SSIM'])
    table(examples_title, examples, ['L1', 'PSNR dB', 'SSIM'])
    if args.json:
        print(json.dumps({'faces': faces, 'examples': examples, 'known_pixels_untouched': untouched}, indent=2))
    return 0 if untouched else 1


if __name__ == '__main__':
    sys.exit(main())
