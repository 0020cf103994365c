#if canImport(Glibc)
import Glibc
#endif

/// A seeded, splittable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// The same seed gives the same stream on every machine. `split(_:)` derives an independent
/// generator for a named purpose (initialisation, batch order, dropout of one layer), so adding
/// draws to one purpose never shifts the numbers another purpose sees.
public struct RandomGenerator: RandomNumberGenerator, Equatable, Sendable {
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var mix = SplitMix64(state: seed)
        state = (mix.next(), mix.next(), mix.next(), mix.next())
        if state == (0, 0, 0, 0) { state.0 = 1 }
    }

    /// Restores a generator from `state` (as saved in a checkpoint).
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        self.state = state
    }

    public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool { a.state == b.state }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    /// An independent generator for `stream`, derived from this one's current state.
    public func split(_ stream: UInt64) -> RandomGenerator {
        var mix = SplitMix64(state: state.0 ^ rotl(state.2, 17) ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        _ = mix.next()
        return RandomGenerator(seed: mix.next() ^ state.3)
    }

    /// A uniform Float in [0, 1) with 24 random bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    public mutating func nextFloat(in range: Range<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUnitFloat()
    }

    /// A standard normal sample (Box–Muller).
    public mutating func nextGaussian() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1p-53, 1e-300)
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
