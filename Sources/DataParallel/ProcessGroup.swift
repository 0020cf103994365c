#if canImport(Glibc)
import Glibc
#endif

/// The processes that train one model together: a plain run alone, or the ranks `mpirun` started.
///
/// Every rank calls the collective operations in the same order with the same sizes; rank 0 is
/// the one that reads checkpoints, validates and writes files.
public protocol ProcessGroup: AnyObject {
    /// This process's number, 0 ..< size.
    var rank: Int { get }
    /// How many processes train together.
    var size: Int { get }
    /// Each rank's host name, by rank.
    var hosts: [String] { get }
    /// Seconds spent inside collective operations so far (waiting included).
    var communicationSeconds: Double { get }
    /// Longest wait in one collective operation before this rank ends the job, in seconds: a
    /// rank that died, hangs or cannot be reached otherwise leaves the others waiting forever.
    var timeout: Double { get set }

    /// Replaces `values` on every rank by their sum over all ranks.
    func allReduceSum(_ values: UnsafeMutablePointer<Float>, count: Int)
    /// Replaces `values` on every rank by their element-wise sum over all ranks.
    func allReduceSum(_ values: inout [Double])
    /// Copies `values` of rank `root` into `values` of every rank.
    func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int, root: Int)
    /// Rank `root`'s bytes, on every rank (`bytes` is ignored elsewhere).
    func broadcast(_ bytes: [UInt8], root: Int) -> [UInt8]
    /// Ends every rank of the job at once with `code` (after a one-line error on stderr).
    func abort(code: Int32) -> Never
}

extension ProcessGroup {
    public var isMain: Bool { rank == 0 }

    /// Rank 0's text on every rank.
    public func broadcast(_ text: String, root: Int = 0) -> String {
        String(decoding: broadcast(Array(text.utf8), root: root), as: UTF8.self)
    }

    /// "2 ranks on host-a, host-b" or "1 process".
    public var description: String {
        if size == 1 { return "1 process" }
        var seen: [String] = []
        for host in hosts where !seen.contains(host) { seen.append(host) }
        return "\(size) ranks on \(seen.joined(separator: ", "))"
    }
}

/// A plain run: one process, collective operations that change nothing.
public final class SingleProcess: ProcessGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var hosts: [String] { [hostName()] }
    public var communicationSeconds: Double { 0 }
    public var timeout = 0.0
    public func allReduceSum(_ values: UnsafeMutablePointer<Float>, count: Int) {}
    public func allReduceSum(_ values: inout [Double]) {}
    public func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int, root: Int) {}
    public func broadcast(_ bytes: [UInt8], root: Int) -> [UInt8] { bytes }
    public func abort(code: Int32) -> Never { exit(code) }
}

/// This machine's host name.
func hostName() -> String {
    var buffer = [UInt8](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
}

public enum Launch {
    /// True when a launcher started this process as one rank of several (Open MPI's `mpirun`
    /// sets OMPI_COMM_WORLD_SIZE; PMIx launchers PMIX_RANK).
    public static var underMPI: Bool {
        getenv("OMPI_COMM_WORLD_SIZE") != nil || getenv("PMIX_RANK") != nil
    }

    /// The group this process belongs to: MPI's world when started by `mpirun`, else a single
    /// process that never touches MPI.
    public static func processGroup() -> ProcessGroup {
        underMPI ? MPIProcessGroup.world() : SingleProcess()
    }
}
