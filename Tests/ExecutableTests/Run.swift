import Foundation

/// The folder of the built products (the test binary sits beside the executables).
let productsFolder: String = {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: exe).deletingLastPathComponent().path
}()

let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a built executable with `arguments`, feeding `input` on stdin; kills it after `timeout`.
func run(_ tool: String, _ arguments: [String], input: Data = Data(), in folder: String? = nil,
         timeout: TimeInterval = 60) throws -> Output {
    try runProgram(productsFolder + "/" + tool, arguments, input: input, in: folder, timeout: timeout)
}

/// `mpirun -np ranks` with `arguments` (tools named by their product name), allowed to run as
/// root as CI does; killed after `timeout`.
func runMPI(_ ranks: Int, _ tool: String, _ arguments: [String], in folder: String? = nil, timeout: TimeInterval = 120) throws -> Output {
    try runProgram("/usr/bin/mpirun", mpirunArguments(ranks) + [productsFolder + "/" + tool] + arguments, in: folder, timeout: timeout)
}

func mpirunArguments(_ ranks: Int) -> [String] {
    // Under scripts/test-sanitizers.sh the ranks get their own ASan options (Open MPI keeps
    // allocations until exit that LeakSanitizer would report as the ranks' failure).
    let rankOptions = ProcessInfo.processInfo.environment["FANYI_RANK_ASAN_OPTIONS"].map { ["-x", "ASAN_OPTIONS=\($0)"] } ?? []
    return ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)"] + rankOptions
}

/// Runs a program with `arguments`, feeding `input` on stdin; kills it after `timeout`.
func runProgram(_ path: String, _ arguments: [String], input: Data = Data(), in folder: String? = nil,
                timeout: TimeInterval = 60) throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let group = DispatchGroup()
    nonisolated(unsafe) var out = Data(), err = Data()
    DispatchQueue.global().async(group: group) { out = stdout.fileHandleForReading.readDataToEndOfFile() }
    DispatchQueue.global().async(group: group) { err = stderr.fileHandleForReading.readDataToEndOfFile() }
    try stdin.fileHandleForWriting.write(contentsOf: input)
    try stdin.fileHandleForWriting.close()
    if group.wait(timeout: .now() + timeout) == .timedOut {
        process.terminate()
        throw TimedOut(command: ([path] + arguments).joined(separator: " "))
    }
    process.waitUntilExit()
    return Output(status: process.terminationStatus,
                  stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
}

func run(_ tool: String, _ arguments: [String], input: String, in folder: String? = nil) throws -> Output {
    try run(tool, arguments, input: Data(input.utf8), in: folder)
}

struct TimedOut: Error { var command: String }

func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "fanyi-exe-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A running tool with pipes on stdin and stdout, for tests of line-by-line (interactive) use.
final class InteractiveProcess {
    let process = Process()
    let stdin = Pipe(), stdout = Pipe()

    init(_ tool: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: productsFolder + "/" + tool)
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
    }

    /// Writes `line` and waits up to `timeout` seconds for one line of answer (nil: none came).
    func ask(_ line: String, timeout: Double) throws -> String? {
        try stdin.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
        let answered = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var received = ""
        let output = stdout.fileHandleForReading
        DispatchQueue.global().async {
            var bytes = Data()
            while bytes.last != 0x0A {
                let chunk = output.availableData
                if chunk.isEmpty { break }
                bytes += chunk
            }
            received = String(decoding: bytes, as: UTF8.self)
            answered.signal()
        }
        return answered.wait(timeout: .now() + timeout) == .success ? received : nil
    }

    /// Closes stdin and returns the exit status.
    func finish() throws -> Int32 {
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}
