import Foundation
import GANImageIO

/// A plot of the loss log (`loss_curve.png`): one line per loss against the step, each smoothed by a moving average
/// over 1% of the steps, on a white 720×400 canvas with a light grid (5 rows). No text: the colours follow the log's
/// column order, shown as swatches at the top left: G_A red, G_B blue, cycle_A green, cycle_B orange, idt_A purple,
/// idt_B brown, D_A pink, D_B gray. The y axis runs from 0 to the largest smoothed value.
public enum LossCurve {
    /// The colours of the series, in the log's column order (for CycleGAN: `G_A, G_B, cycle_A, cycle_B, idt_A, idt_B, D_A, D_B`).
    public static let colors: [(UInt16, UInt16, UInt16)] = [
        (228, 26, 28), (55, 126, 184), (77, 175, 74), (255, 127, 0), (152, 78, 163), (166, 86, 40), (247, 129, 191), (120, 120, 120),
    ]

    /// Cuts the loss log at `path` back to `step`: drops the rows after it (written after the checkpoint a resumed or
    /// rolled-back run starts from) and rows cut short (fewer than `columns` fields), rewriting the file atomically
    /// only when something is dropped. A missing file is left missing.
    public static func truncateLog(_ path: String, afterStep step: Int, columns: Int) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let kept = lines.enumerated().filter { k, line in
            k == 0 || ((Int(line.prefix { $0 != "," }) ?? .max) <= step && line.split(separator: ",", omittingEmptySubsequences: false).count == columns)
        }.map(\.element)
        FileAccess.removeStaleTemporaryFiles(for: path)
        if kept.count != lines.count || !text.hasSuffix("\n") {
            try? FileAccess.writeAtomically(Array((kept.joined(separator: "\n") + "\n").utf8), to: path)
        }
    }

    /// Writes `loss_curve.png` in `runFolder` from its `loss_log.csv`, atomically (nothing before two steps).
    /// - Throws: `ImageIOError` naming the image.
    public static func write(forLogIn runFolder: String) throws {
        let log = (try? String(contentsOfFile: "\(runFolder)/loss_log.csv", encoding: .utf8)) ?? ""
        let (steps, series) = read(csv: log)
        FileAccess.removeStaleTemporaryFiles(for: "\(runFolder)/loss_curve.png")
        try image(steps: steps, series: series)?.write(to: "\(runFolder)/loss_curve.png")
    }

    /// Parses a loss log CSV (`step,epoch,seconds,lr,<losses...>`) into steps and per-loss series.
    public static func read(csv text: String) -> (steps: [Int], series: [[Float]]) {
        var steps: [Int] = [], series: [[Float]] = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",")
            guard fields.count > 4, let step = Int(fields[0]) else { continue }
            let values = fields.dropFirst(4).map { Float($0) ?? .nan }
            if series.isEmpty { series = Array(repeating: [], count: values.count) }
            guard values.count == series.count else { continue }
            steps.append(step)
            for k in 0..<values.count { series[k].append(values[k]) }
        }
        return (steps, series)
    }

    /// Draws the plot; nil when there are fewer than two rows.
    public static func image(steps: [Int], series: [[Float]], width: Int = 720, height: Int = 400) -> Image? {
        guard steps.count >= 2, let first = steps.first, let last = steps.last, last > first else { return nil }
        var pixels = [UInt16](repeating: 255, count: width * height * 3)
        func plot(_ x: Int, _ y: Int, _ c: (UInt16, UInt16, UInt16)) {
            guard x >= 0, x < width, y >= 0, y < height else { return }
            let i = (y * width + x) * 3
            (pixels[i], pixels[i + 1], pixels[i + 2]) = c
        }
        let margin = 12, plotW = width - 2 * margin, plotH = height - 2 * margin
        for row in 0...5 { for x in margin...(margin + plotW) { plot(x, margin + row * plotH / 5, (225, 225, 225)) } }
        let window = max(1, steps.count / 100)
        let smoothed = series.map { movingAverage($0, window: window) }
        let top = max(smoothed.flatMap { $0 }.filter(\.isFinite).max() ?? 1, 1e-6)
        for (k, values) in smoothed.enumerated() {
            let color = colors[k % colors.count]
            var previous: (Int, Int)?
            for (i, v) in values.enumerated() where v.isFinite {
                let x = margin + (steps[i] - first) * plotW / (last - first)
                let y = margin + plotH - Int(Float(plotH) * min(max(v, 0), top) / top)
                if let (px, py) = previous { line(px, py, x, y) { plot($0, $1, color) } } else { plot(x, y, color) }
                previous = (x, y)
            }
            for dy in 0..<6 { for dx in 0..<10 { plot(margin + 4 + k * 14 + dx, margin + 4 + dy, color) } }
        }
        return try? Image(width: width, height: height, layout: .rgb, samples: pixels)
    }

    /// Averages of the last `window` finite values at each position.
    static func movingAverage(_ values: [Float], window: Int) -> [Float] {
        var out: [Float] = [], sum: Float = 0, queue: [Float] = []
        out.reserveCapacity(values.count)
        for v in values {
            if v.isFinite { queue.append(v); sum += v }
            if queue.count > window { sum -= queue.removeFirst() }
            out.append(queue.isEmpty ? .nan : sum / Float(queue.count))
        }
        return out
    }

    /// Bresenham's line from (x0, y0) to (x1, y1).
    static func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ plot: (Int, Int) -> Void) {
        let dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var (x, y, error) = (x0, y0, dx + dy)
        while true {
            plot(x, y)
            if x == x1 && y == y1 { return }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }
}
