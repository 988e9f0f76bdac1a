/// The narrow band of the fast marching method: a binary min-heap of pixel indices keyed by
/// their arrival time T. Ties leave in the order they came in, so a march is deterministic.
///
/// A pixel whose T decreases is pushed again; the caller skips stale entries when it pops one
/// (a pixel already frozen).
struct NarrowBand {
    private struct Entry { var time: Float; var order: UInt32; var pixel: Int32 }
    private var heap: [Entry] = []
    private var pushed: UInt32 = 0

    /// Whether the band is empty.
    var isEmpty: Bool { heap.isEmpty }

    /// Adds `pixel` with arrival time `time`.
    mutating func push(_ pixel: Int, time: Float) {
        heap.append(Entry(time: time, order: pushed, pixel: Int32(pixel)))
        pushed &+= 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the pixel with the smallest time (first pushed among equals).
    mutating func pop() -> Int? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < heap.count, Self.before(heap[left], heap[smallest]) { smallest = left }
                if right < heap.count, Self.before(heap[right], heap[smallest]) { smallest = right }
                if smallest == parent { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return Int(first.pixel)
    }

    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.time < b.time || (a.time == b.time && a.order < b.order)
    }
}
