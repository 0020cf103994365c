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
                 files: [String] = [englishChinese, chineseEnglish], store: FileStore? = nil) throws -> (TranslationService, ServiceMetrics) {
    let metrics = ServiceMetrics()
    let models = try files.map { try TranslationService.ServedModel.load(file: $0, workers: workers, window: window, maxBatch: 32, metrics: metrics) }
    return (TranslationService(models: models, limits: limits, files: store), metrics)
}

/// A multipart/form-data body with boundary `XyZ`: text fields, then one file.
func multipart(_ fields: [(String, String)], file: (name: String, bytes: [UInt8])?) -> ByteBuffer {
    var bytes: [UInt8] = []
    for (name, value) in fields {
        bytes += Array("--XyZ\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }
    if let file {
        bytes += Array("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        bytes += file.bytes + Array("\r\n".utf8)
    }
    bytes += Array("--XyZ--\r\n".utf8)
    return ByteBuffer(bytes: bytes)
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
