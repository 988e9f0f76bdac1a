import Foundation
import Testing
import GANCore

/// `ComputeCores.available` counts the CPUs this process may run on, as the kernel reports them in
/// /proc/self/status ("Cpus_allowed_list: 0-3,6"), so a job pinned with taskset or a cpuset gets that many workers.
@Suite struct ComputeCoresTests {
    static let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)

    @Test(.enabled(if: status != nil, "no /proc/self/status on this system: skipped"))
    func countsTheAllowedCPUs() throws {
        let line = try #require(Self.status?.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        let list = line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)
        let allowed = list.split(separator: ",").reduce(0) { count, range in
            let ends = range.split(separator: "-").compactMap { Int($0) }
            return count + (ends.count == 2 ? ends[1] - ends[0] + 1 : 1)
        }
        #expect(ComputeCores.available == allowed, "\(list)")
        #expect(ComputeCores.available >= 1)
    }
}
