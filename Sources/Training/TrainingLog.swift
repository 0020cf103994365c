import Foundation

/// What a run reports: a JSON object per line in the log file, and human-readable progress on
/// stderr (a line rewritten in place on a terminal, plain lines otherwise; nothing with `quiet`
/// but errors and the final summary).
public final class TrainingLog {
    private let file: FileHandle?
    public let isTerminal: Bool
    public let quiet: Bool
    private var progressShown = false

    public init(path: String?, isTerminal: Bool, quiet: Bool) throws {
        if let path {
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            guard let handle = FileHandle(forWritingAtPath: path) else { throw TrainingError.io("\(path): cannot open the log file for writing") }
            handle.seekToEndOfFile()
            file = handle
        } else {
            file = nil
        }
        self.isTerminal = isTerminal
        self.quiet = quiet
    }

    /// Appends one JSON object (keys sorted) to the log file.
    public func record(_ fields: [String: Any]) {
        guard let file, let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else { return }
        file.write(data + Data("\n".utf8))
    }

    /// A line for people: replaces the progress line on a terminal.
    public func say(_ line: String) {
        guard !quiet else { return }
        if isTerminal && progressShown { write("\r\u{1B}[K") }
        progressShown = false
        write(line + "\n")
    }

    /// Progress: rewritten in place on a terminal, a plain line otherwise.
    public func progress(_ line: String) {
        guard !quiet else { return }
        if isTerminal {
            // A line wider than the terminal wraps, and "\r ESC[K" would then clear only its last
            // row, stacking the rest on screen at every refresh: cut it to the width.
            let width = Self.terminalColumns()
            write("\r\u{1B}[K" + (line.count >= width ? String(line.prefix(width - 2)) + "…" : line))
            progressShown = true
        } else {
            write(line + "\n")
        }
    }

    /// A warning: always shown, even with `quiet`, prefixed "warning: ".
    public func warn(_ line: String) {
        summary("warning: " + line)
    }

    /// Always shown (the summary), even with `quiet`.
    public func summary(_ line: String) {
        if isTerminal && progressShown { write("\r\u{1B}[K") }
        progressShown = false
        write(line + "\n")
    }

    /// The width of the terminal on stderr (80 when it cannot be asked).
    static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 20 else { return 80 }
        return Int(size.ws_col)
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
