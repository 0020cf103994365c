import CBLAS
import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS settings that it reads only from the environment, once, when the library loads.
///
/// Two of them decide much of Fanyi's speed and system time, measured on the development machines:
/// - `OPENBLAS_CORETYPE`: OpenBLAS 0.3.21 (Debian 12) does not know newer CPUs (a Sapphire Rapids
///   Xeon is detected as "Prescott" and gets SSE3 kernels: 64 GFLOP/s instead of 200–250 with the
///   SkylakeX kernels on two cores). When OpenBLAS chose a pre-AVX2 core on a CPU that has AVX2 or
///   AVX-512, the matching core is named (Haswell or SkylakeX).
/// - `OPENBLAS_THREAD_TIMEOUT`: idle worker threads spin in `sched_yield` for 2²⁸ cycles before
///   sleeping, and training spends a third of its time outside BLAS, so a real run spent ~19 % of
///   its CPU time in the kernel; 2⁴ cycles lets them sleep between products at no measured loss.
///
/// Since the library has read its environment before `main` runs, `prepare()` sets what is
/// missing and re-executes the program once (same arguments, same process id). Values the user
/// set are kept.
public enum BLASEnvironment {
    /// The kernel family OpenBLAS chose (e.g. "Haswell", "SkylakeX", "Zen").
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS cores older than AVX2 that a DYNAMIC_ARCH build falls back to.
    static let preAVX2Cores: Set<String> = [
        "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "nano", "katmai", "coppermine",
        "northwood", "banias", "opteron", "opteron_sse3", "barcelona", "bobcat", "sandybridge", "unknown",
    ]

    /// The settings this process should have, with why (empty when it has them).
    public static func missingSettings() -> [(name: String, value: String)] {
        var settings: [(name: String, value: String)] = []
        if getenv("OPENBLAS_THREAD_TIMEOUT") == nil {
            settings.append(("OPENBLAS_THREAD_TIMEOUT", "4"))
        }
        if getenv("OPENBLAS_CORETYPE") == nil && preAVX2Cores.contains(coreName.lowercased()) {
            if fanyi_cpu_has_avx512() != 0 {
                settings.append(("OPENBLAS_CORETYPE", "SkylakeX"))
            } else if fanyi_cpu_has_avx2_fma() != 0 {
                settings.append(("OPENBLAS_CORETYPE", "Haswell"))
            }
        }
        return settings
    }

    /// Sets the missing settings and re-executes the program once; returns when nothing is
    /// missing, when it already re-executed, or when the re-execution failed (the program then
    /// runs with OpenBLAS as it is).
    public static func prepare() {
        let guardName = "FANYI_BLAS_ENVIRONMENT"
        guard getenv(guardName) == nil else { return }
        let settings = missingSettings()
        guard !settings.isEmpty else { return }
        for (name, value) in settings { setenv(name, value, 0) }
        setenv(guardName, "1", 1)
        // The program's real path, so that ps and top show its name rather than "exe".
        var path = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &path, path.count - 1)
        execv(length > 0 ? path : Array("/proc/self/exe".utf8CString), CommandLine.unsafeArgv)
    }
}
