import CMPI
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The ranks of `MPI_COMM_WORLD`, through Open MPI. Only the main thread calls MPI.
///
/// MPI's default error handler stays in place: a failed collective (a rank that died or cannot be
/// reached) ends the whole job with Open MPI's message instead of leaving the others waiting.
public final class MPIProcessGroup: ProcessGroup {
    public let rank: Int
    public let size: Int
    public let hosts: [String]
    public private(set) var communicationSeconds = 0.0
    nonisolated(unsafe) private static var shared: MPIProcessGroup?
    /// When the collective operation in progress began (bit pattern of MPI_Wtime; 0: none), and
    /// the timeout, for the watchdog thread.
    private static let busySince = Atomic<UInt64>(0)
    private static let timeoutBits = Atomic<UInt64>(600.0.bitPattern)
    public var timeout: Double {
        get { Double(bitPattern: Self.timeoutBits.load(ordering: .relaxed)) }
        set { Self.timeoutBits.store(newValue.bitPattern, ordering: .relaxed) }
    }

    /// The world group, initialising MPI on first use; MPI is finalised at exit.
    public static func world() -> MPIProcessGroup {
        if let shared { return shared }
        // Open MPI's all-reduce of the 35 MB gradient buffer takes a temporary buffer as large
        // each call; above glibc's mmap threshold (at most 32 MB) that is a fresh mapping every
        // step, faulted in page by page (1.7 M minor faults in 150 steps of two ranks). Served
        // from the heap instead, it is reused: 0.3 M faults, a quarter less system time.
        fanyi_malloc_keep_large(256 << 20, 512 << 20)
        var provided: Int32 = 0
        // MPI may read its own arguments; Fanyi's are parsed before and left as they are.
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        let group = MPIProcessGroup()
        shared = group
        startWatchdog()
        atexit {
            var finalized: Int32 = 0
            MPI_Finalized(&finalized)
            if finalized == 0 { MPI_Finalize() }
        }
        return group
    }

    private init() {
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(fanyi_mpi_comm_world(), &rank)
        MPI_Comm_size(fanyi_mpi_comm_world(), &size)
        self.rank = Int(rank)
        self.size = Int(size)
        // Every rank's host name, fixed-width, gathered on all ranks.
        let width = 256
        var mine = [CChar](repeating: 0, count: width)
        let name = Array(hostName().utf8CString.prefix(width - 1))
        for (i, c) in name.enumerated() { mine[i] = c }
        var all = [CChar](repeating: 0, count: width * Int(size))
        MPI_Allgather(&mine, Int32(width), fanyi_mpi_byte(), &all, Int32(width), fanyi_mpi_byte(), fanyi_mpi_comm_world())
        hosts = (0..<Int(size)).map { r in
            all[(r * width)..<((r + 1) * width)].withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
    }

    private func timed(_ body: () -> Void) {
        let start = MPI_Wtime()
        Self.busySince.store(start.bitPattern, ordering: .relaxed)
        body()
        Self.busySince.store(0, ordering: .relaxed)
        communicationSeconds += MPI_Wtime() - start
    }

    /// A thread that ends this rank when a collective operation has waited longer than
    /// `timeout`: MPI itself waits forever for a rank on a lost network link. The process exits
    /// at once (no MPI_Finalize, which would wait too); mpirun then ends the others.
    private static func startWatchdog() {
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { _ in
            while true {
                sleep(1)
                let since = MPIProcessGroup.busySince.load(ordering: .relaxed)
                let limit = Double(bitPattern: MPIProcessGroup.timeoutBits.load(ordering: .relaxed))
                guard since != 0, limit > 0 else { continue }
                let waited = MPI_Wtime() - Double(bitPattern: since)
                if waited > limit {
                    let message = "Error: rank \(MPIProcessGroup.shared?.rank ?? -1): no answer from the other ranks for "
                        + "\(Int(waited)) s (--rank-timeout \(Int(limit))): a rank died, hangs, or cannot be reached over "
                        + "the network; ending the job\n"
                    _ = message.withCString { write(2, $0, strlen($0)) }
                    _exit(3)
                }
            }
        }, nil)
        if started == 0 { pthread_detach(thread) }
    }

    public func allReduceSum(_ values: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count <= Int(Int32.max), "all-reduce of \(count) values exceeds MPI's count")
        timed { MPI_Allreduce(fanyi_mpi_in_place(), values, Int32(count), fanyi_mpi_float(), fanyi_mpi_sum(), fanyi_mpi_comm_world()) }
    }

    public func allReduceSum(_ values: inout [Double]) {
        let count = Int32(values.count)
        values.withUnsafeMutableBufferPointer { buffer in
            timed { MPI_Allreduce(fanyi_mpi_in_place(), buffer.baseAddress, count, fanyi_mpi_double(), fanyi_mpi_sum(), fanyi_mpi_comm_world()) }
        }
    }

    public func broadcast(_ values: UnsafeMutablePointer<Float>, count: Int, root: Int) {
        precondition(count <= Int(Int32.max), "broadcast of \(count) values exceeds MPI's count")
        timed { MPI_Bcast(values, Int32(count), fanyi_mpi_float(), Int32(root), fanyi_mpi_comm_world()) }
    }

    public func broadcast(_ bytes: [UInt8], root: Int) -> [UInt8] {
        var length = [Int64(rank == root ? bytes.count : 0)]
        timed { MPI_Bcast(&length, 1, fanyi_mpi_int64(), Int32(root), fanyi_mpi_comm_world()) }
        var received = rank == root ? bytes : [UInt8](repeating: 0, count: Int(length[0]))
        received.withUnsafeMutableBufferPointer { buffer in
            timed { MPI_Bcast(buffer.baseAddress, Int32(length[0]), fanyi_mpi_byte(), Int32(root), fanyi_mpi_comm_world()) }
        }
        return received
    }

    public func abort(code: Int32) -> Never {
        MPI_Abort(fanyi_mpi_comm_world(), code)
        exit(code)
    }
}
