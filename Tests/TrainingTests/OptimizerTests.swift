import Foundation
import Testing
import Tensor
@testable import Seq2Seq
@testable import Training

@Suite struct OptimizerTests {
    /// Adam's folded bias correction equals the textbook update.
    @Test func adamMatchesTheTextbook() {
        let p = Parameter("p", Matrix([[0.5, -1, 2]]))
        let buffer = ParameterBuffer([p])
        let adam = Adam()
        var m: [Double] = [0, 0, 0], v: [Double] = [0, 0, 0], theta: [Double] = [0.5, -1, 2]
        for step in 1...5 {
            for i in 0..<3 { p.grad.pointer[i] = Float(theta[i] * Double(step) * 0.3 - 0.1) }
            let g = (0..<3).map { Double(p.grad.pointer[$0]) }
            adam.step(buffer, learningRate: 0.01)
            for i in 0..<3 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                let mHat = m[i] / (1 - pow(0.9, Double(step))), vHat = v[i] / (1 - pow(0.999, Double(step)))
                theta[i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
            }
        }
        for i in 0..<3 { #expect(abs(Double(p.value.pointer[i]) - theta[i]) < 1e-5) }
    }

    @Test func sgdAndClipping() {
        let p = Parameter("p", Matrix([[1, 1]]))
        let buffer = ParameterBuffer([p])
        p.grad.pointer[0] = 3
        p.grad.pointer[1] = 4
        #expect(clipGradientNorm(buffer, maxNorm: 1) == 5)
        #expect(abs(p.grad.pointer[0] - 0.6) < 1e-6 && abs(p.grad.pointer[1] - 0.8) < 1e-6)
        SGD().step(buffer, learningRate: 0.5)
        #expect(abs(p.value.pointer[0] - 0.7) < 1e-6 && abs(p.value.pointer[1] - 0.6) < 1e-6)
    }

    /// Clipping folded into Adam's step gives what clipping the gradients first gives, on both
    /// kernel paths and split over two threads.
    @Test(arguments: [false, true]) func foldedClippingEqualsClippingFirst(portable: Bool) {
        Kernels.forcePortable(portable)
        defer { Kernels.forcePortable(false) }
        func parameters() -> (ParameterBuffer, Parameter) {
            var rng = RandomGenerator(seed: 9)
            let p = Parameter("p", rows: 300, cols: 701, uniform: 1, using: &rng)  // not a multiple of 8
            let buffer = ParameterBuffer([p])
            for i in 0..<p.grad.count { p.grad.pointer[i] = rng.nextFloat(in: -2..<2) }
            return (buffer, p)
        }
        let (a, pa) = parameters(), (b, pb) = parameters()
        let (adamA, adamB) = (Adam(), Adam())
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        for step in 0..<3 {
            Parallel.threads = 1
            let norm = clipGradientNorm(a, maxNorm: 10)
            adamA.step(a, learningRate: 0.01)
            Parallel.threads = 2
            #expect(abs(gradientNorm(b) - norm) < 1e-3 * norm, "step \(step)")
            adamB.step(b, learningRate: 0.01, gradientScale: clipScale(norm: gradientNorm(b), maxNorm: 10))
            #expect(pa.value.maxAbsDifference(pb.value) < 1e-6, "step \(step)")
            for i in 0..<pa.grad.count { (pa.grad.pointer[i], pb.grad.pointer[i]) = (Float(i % 7) - 3, Float(i % 7) - 3) }
        }
        #expect(clipScale(norm: 4, maxNorm: 5) == 1 && clipScale(norm: 10, maxNorm: 5) == 0.5 && clipScale(norm: 10, maxNorm: 0) == 1)
    }
}
