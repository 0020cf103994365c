/// The learning rate over training: linear warm-up, then constant, a fixed step decay, or decay
/// when validation stops improving.
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    public enum Decay: String, Codable, Sendable, CaseIterable {
        case none
        /// × factor every `decayEvery` steps from `decayStart` on.
        case fixed
        /// × factor after `patience` validations without improvement.
        case plateau
    }

    public var base: Float
    public var warmupSteps: Int
    public var decay: Decay
    public var factor: Float
    public var decayStart: Int
    public var decayEvery: Int
    public var patience: Int
    /// Plateau state: the current multiplier and validations since the last improvement.
    public private(set) var plateauScale: Float = 1
    public private(set) var badValidations = 0

    public init(base: Float, warmupSteps: Int = 0, decay: Decay = .none, factor: Float = 0.5, decayStart: Int = 0,
                decayEvery: Int = 1000, patience: Int = 2) {
        (self.base, self.warmupSteps, self.decay, self.factor) = (base, warmupSteps, decay, factor)
        (self.decayStart, self.decayEvery, self.patience) = (decayStart, decayEvery, patience)
    }

    /// The rate for (1-based) step `step`.
    public func rate(step: Int) -> Float {
        let warm = warmupSteps > 0 ? min(1, Float(step) / Float(warmupSteps)) : 1
        switch decay {
        case .none:
            return base * warm
        case .fixed:
            guard step >= decayStart, decayEvery > 0 else { return base * warm }
            let times = (step - decayStart) / decayEvery + 1
            return base * warm * Float(powInt(Double(factor), times))
        case .plateau:
            return base * warm * plateauScale
        }
    }

    /// Records a validation result (plateau decay acts on it).
    public mutating func validated(improved: Bool) {
        guard decay == .plateau else { return }
        if improved {
            badValidations = 0
        } else {
            badValidations += 1
            if badValidations >= patience {
                plateauScale *= factor
                badValidations = 0
            }
        }
    }
}
