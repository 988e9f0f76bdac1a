import Foundation

/// Which slice of a batch this process takes: `--shard 2/4` is the second of four slices.
/// Inputs are sorted by path and item k goes to slice k mod count, so slices are disjoint,
/// together cover the batch, and are the same on every machine that sees the same files.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// 1-based slice number.
    public let index: Int
    /// How many slices.
    public let count: Int

    /// Slice `index` (1-based) of `count`; nil unless 1 <= index <= count.
    public init?(index: Int, count: Int) {
        guard count >= 1, (1...count).contains(index) else { return nil }
        (self.index, self.count) = (index, count)
    }

    /// Parses "i/n" with 1 <= i <= n.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        self.init(index: i, count: n)
    }

    /// Whether the item at `position` of the sorted batch belongs to this slice.
    public func contains(position: Int) -> Bool { position % count == index - 1 }

    /// "i/n".
    public var description: String { "\(index)/\(count)" }

    /// The environment variable a Kubernetes Indexed Job's pods can carry their completion count in (Kubernetes sets
    /// only the index, `JOB_COMPLETION_INDEX`; the Job's manifest sets this one to its `completions`).
    public static let countVariable = "GANKIT_SHARD_COUNT"

    /// The slice the engine running this task assigns it, from its environment:
    /// - a Slurm array task: `SLURM_ARRAY_TASK_ID` within `SLURM_ARRAY_TASK_MIN`...`SLURM_ARRAY_TASK_MAX` (step
    ///   `SLURM_ARRAY_TASK_STEP`, default 1), checked against `SLURM_ARRAY_TASK_COUNT` when set;
    /// - a Kubernetes Indexed Job pod: `JOB_COMPLETION_INDEX` (0-based), of `count` or `$GANKIT_SHARD_COUNT`.
    /// `count`, when given, must agree with what Slurm says.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment,
                                       count: Int? = nil) throws(ShardError) -> Shard {
        func number(_ name: String) throws(ShardError) -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else { throw .malformed(variable: name, value: text) }
            return value
        }
        if let id = try number("SLURM_ARRAY_TASK_ID") {
            let step = try number("SLURM_ARRAY_TASK_STEP") ?? 1
            let total = try number("SLURM_ARRAY_TASK_COUNT")
            let first: Int, last: Int
            if let min = try number("SLURM_ARRAY_TASK_MIN"), let max = try number("SLURM_ARRAY_TASK_MAX") {
                (first, last) = (min, max)
            } else if let total {
                (first, last) = (0, (total - 1) * step)  // Slurm's default array start is 0
            } else {
                throw .incomplete("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_MIN/MAX nor SLURM_ARRAY_TASK_COUNT is")
            }
            guard step >= 1, last >= first, (id - first) % step == 0, (first...last).contains(id) else {
                throw .incomplete("Slurm array task \(id) is not on the range \(first)-\(last):\(step)")
            }
            let slices = (last - first) / step + 1
            if let total, total != slices {
                throw .incomplete("the Slurm array is not one range (SLURM_ARRAY_TASK_COUNT \(total), range \(first)-\(last):\(step) has \(slices)): "
                    + "use --array=first-last[:step] so that every task knows its slice")
            }
            if let count, count != slices {
                throw .incomplete("--shard-count \(count) disagrees with the Slurm array's \(slices) tasks")
            }
            return Shard(index: (id - first) / step + 1, count: slices)!
        }
        if let index = try number("JOB_COMPLETION_INDEX") {
            let variable = try number(countVariable)
            guard let total = count ?? variable else {
                throw .incomplete("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but the number of shards is not: "
                    + "pass --shard-count N or set \(countVariable) to the Job's completions")
            }
            guard let shard = Shard(index: index + 1, count: total) else {
                throw .incomplete("JOB_COMPLETION_INDEX \(index) is outside 0..<\(total) shards")
            }
            return shard
        }
        throw .noEngine
    }
}

/// Why `--shard auto` found no slice.
public enum ShardError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Neither a Slurm array task nor a Kubernetes Indexed Job pod.
    case noEngine
    /// A variable holds no integer.
    case malformed(variable: String, value: String)
    /// The engine's variables do not say the slice (a missing count, an index off the range...).
    case incomplete(String)

    /// One line: what is wrong and what to do.
    public var description: String {
        switch self {
        case .noEngine:
            "--shard auto found no Slurm array task (SLURM_ARRAY_TASK_ID) and no Kubernetes Indexed Job (JOB_COMPLETION_INDEX) "
                + "in the environment; give --shard i/n"
        case let .malformed(variable, value): "--shard auto: \(variable) is '\(value)', not an integer"
        case let .incomplete(detail): "--shard auto: \(detail)"
        }
    }
}
