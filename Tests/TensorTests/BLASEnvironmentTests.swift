import Testing
import Tensor
#if canImport(Glibc)
import Glibc
#endif

@Suite struct BLASEnvironmentTests {
    /// OpenBLAS names a core; with the thread timeout and core type set by the user (or by a
    /// re-execution) nothing is missing, so `prepare` never re-executes twice.
    @Test func settingsTheUserGaveAreKept() {
        #expect(!BLASEnvironment.coreName.isEmpty)
        let saved = (getenv("OPENBLAS_THREAD_TIMEOUT").map { String(cString: $0) }, getenv("OPENBLAS_CORETYPE").map { String(cString: $0) })
        defer {
            if let timeout = saved.0 { setenv("OPENBLAS_THREAD_TIMEOUT", timeout, 1) } else { unsetenv("OPENBLAS_THREAD_TIMEOUT") }
            if let core = saved.1 { setenv("OPENBLAS_CORETYPE", core, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
        }
        setenv("OPENBLAS_THREAD_TIMEOUT", "10", 1)
        setenv("OPENBLAS_CORETYPE", "Haswell", 1)
        #expect(BLASEnvironment.missingSettings().isEmpty)
        unsetenv("OPENBLAS_THREAD_TIMEOUT")
        #expect(BLASEnvironment.missingSettings().map(\.name) == ["OPENBLAS_THREAD_TIMEOUT"])
    }
}
