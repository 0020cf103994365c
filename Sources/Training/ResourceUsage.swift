#if canImport(Glibc)
import Glibc
#endif

/// This process's peak memory and CPU time so far (`getrusage`), for run summaries and benchmarks.
public struct ResourceUsage: Sendable {
    /// Peak resident set size in bytes.
    public var peakResidentBytes: Int
    public var userSeconds: Double
    public var systemSeconds: Double

    public init(peakResidentBytes: Int, userSeconds: Double, systemSeconds: Double) {
        self.peakResidentBytes = peakResidentBytes
        self.userSeconds = userSeconds
        self.systemSeconds = systemSeconds
    }

    public static func now() -> ResourceUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return ResourceUsage(peakResidentBytes: usage.ru_maxrss * 1024, userSeconds: seconds(usage.ru_utime),
                             systemSeconds: seconds(usage.ru_stime))
    }

    public var peakResidentMiB: Double { Double(peakResidentBytes) / 1_048_576 }

    /// The kernel's share of the CPU time, in percent.
    public var systemPercent: Double {
        let total = userSeconds + systemSeconds
        return total > 0 ? 100 * systemSeconds / total : 0
    }

    /// "peak memory 912 MiB, 2.1 % of CPU time in the kernel"
    public var summary: String {
        "peak memory \(Int(peakResidentMiB.rounded())) MiB, "
            + "\((systemPercent * 10).rounded() / 10) % of CPU time in the kernel"
    }
}
