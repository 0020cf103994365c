import Foundation
import Hummingbird
import NIOCore
@testable import Serving

let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

let englishChinese = packageRoot + "/models/en-zh-lohelp.safetensors"
let chineseEnglish = packageRoot + "/models/zh-en-lohelp.safetensors"

/// A service over both shipped models (one worker each unless told), and its metrics.
func makeService(limits: TranslationService.Limits = .init(), window: Double = 0.002, workers: Int = 1,
                 files: [String] = [englishChinese, chineseEnglish]) throws -> (TranslationService, ServiceMetrics) {
    let metrics = ServiceMetrics()
    let models = try files.map { try TranslationService.ServedModel.load(file: $0, workers: workers, window: window, maxBatch: 32, metrics: metrics) }
    return (TranslationService(models: models, limits: limits), metrics)
}

func makeApplication(_ service: TranslationService, _ metrics: ServiceMetrics) -> some ApplicationProtocol {
    Application(router: Routes.router(service: service, metrics: metrics))
}

func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

/// A response body's JSON as a dictionary (empty when it is not a JSON object).
func object(_ buffer: ByteBuffer) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
}

/// An error answer's message ("" when there is none).
func errorMessage(_ buffer: ByteBuffer) -> String {
    object(buffer)["error"] as? String ?? ""
}
