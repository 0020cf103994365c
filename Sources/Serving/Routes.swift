import Documents
import Foundation
import Hummingbird
import NIOCore

/// The HTTP face of a `TranslationService`:
///
/// | route | answer |
/// |---|---|
/// | `POST /translate` | LibreTranslate's request and answer (see `TranslateRequest`) |
/// | `GET /languages` | the served pairs |
/// | `POST /detect` | the languages of `q`, best first: `[{"language", "confidence"}]` (CLD2) |
/// | `GET /frontend/settings` | LibreTranslate's page settings: character limit, features, first pair |
/// | `POST /translate_file` | multipart `file`, `source`, `target` → `{"translatedFileUrl"}` |
/// | `GET /translate_file/jobs/ID` | a file translation that outlasted its request: `{"status", "done", "total"}` |
/// | `GET /download_file/NAME` | a translated file, while it is kept (`FileStore`) |
/// | `GET /health` | `{"status": "ok", ...}` |
/// | `GET /metrics` | Prometheus text format |
/// | `GET /` | the web page |
///
/// POST bodies may be JSON, a URL-encoded form or multipart/form-data (`FormBody`); fields a route
/// does not know (`api_key`, `apiKey`, `secret`) are ignored. Every answer allows any origin
/// (CORS, with preflight requests answered). Every error is `{"error": "..."}` with its status
/// (400, 404, 413, 503).
public enum Routes {
    public static func router(service: TranslationService, metrics: ServiceMetrics) -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        // Before the routes: middleware wraps only what is added after it. CORS first, so that
        // it answers preflight requests and marks error answers too.
        router.add(middleware: CORSMiddleware(allowOrigin: .all, allowHeaders: [.accept, .authorization, .contentType, .origin],
                                              allowMethods: [.get, .post, .options]))
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        let page = Page.html
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        router.get("/languages") { _, _ in try json(service.languages()) }
        router.get("/health") { _, _ in try json(service.health()) }
        router.get("/frontend/settings") { _, _ in try json(service.frontendSettings()) }
        router.get("/metrics") { _, _ in
            let running = service.jobs.running
            metrics.recordFileJobs(running: running.jobs, sentences: running.sentences)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
        }
        router.post("/translate") { request, context in
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: service.limits.bodyBytes)
            } catch is NIOTooManyBytesError {
                throw HTTPServiceError(.tooLarge("the request body is over \(service.limits.bodyBytes) bytes (--char-limit \(service.limits.characters))"))
            }
            let translateRequest: TranslateRequest
            do {
                let fields = try FormBody.json(Array(body.readableBytesView), contentType: request.headers[.contentType],
                                               numbers: ["alternatives", "beam_size"], flags: ["scores", "attention", "confidence"],
                                               objects: ["glossary"], repeatable: ["q"])
                translateRequest = try decode(fields)
                let texts = translateRequest.q.all
                try admit(fields, service: service, metrics: metrics, client: context.clientAddress, cost: texts.count, characters: texts.reduce(0) { $0 + $1.count })
            } catch let error as ServiceError {
                throw HTTPServiceError(error)
            }
            do {
                return try json(try await service.translate(translateRequest))
            } catch let error as ServiceError {
                throw HTTPServiceError(error)
            }
        }
        router.post("/detect") { request, context in
            do {
                let body = try await request.body.collect(upTo: service.limits.bodyBytes)
                let fields = try FormBody.json(Array(body.readableBytesView), contentType: request.headers[.contentType], repeatable: ["q"])
                let detectRequest: DetectRequest = try decode(fields, needed: "q")
                let texts = detectRequest.q.all
                try admit(fields, service: service, metrics: metrics, client: context.clientAddress, cost: texts.count, characters: texts.reduce(0) { $0 + $1.count })
                return try json(try service.detect(detectRequest))
            } catch let error as ServiceError {
                throw HTTPServiceError(error)
            } catch is NIOTooManyBytesError {
                throw HTTPServiceError(.tooLarge("the request body is over \(service.limits.bodyBytes) bytes (--char-limit \(service.limits.characters))"))
            }
        }
        router.post("/translate_file") { request, context in
            do {
                let body = try await request.body.collect(upTo: service.limits.fileBytes + 65_536)
                guard FormBody.mediaType(request.headers[.contentType]) == "multipart/form-data" else {
                    throw ServiceError.badRequest("send the file as multipart/form-data with fields file, source and target")
                }
                let fields = try FormBody.multipart(Array(body.readableBytesView), contentType: request.headers[.contentType] ?? "")
                guard let file = fields.first(where: { $0.name == "file" && $0.filename != nil }) else {
                    throw ServiceError.badRequest("missing field \"file\" (an uploaded file; needed: file, source, target)")
                }
                let object = try FormBody.object(fields, numbers: [], flags: [], objects: ["glossary"], repeatable: [])
                let fileRequest: TranslateFileRequest = try decode(object, needed: "file, source, target")
                try admit(object, service: service, metrics: metrics, client: context.clientAddress, cost: 1, characters: 0)
                guard let store = service.files else { throw ServiceError.badRequest("file translation is off on this server") }
                // Absolute URLs, as LibreTranslate gives: built from the Host the client used.
                let host = request.head.authority.map { "http://\($0)" } ?? ""
                let jobs = service.jobs
                let id = jobs.start(total: 0)
                let fileName = file.filename ?? "file"
                let upload = file.value
                // The translation runs on its own: a request that waits longer than --timeout gets
                // the job's URL (202), and the job goes on.
                let task = Task { () async throws -> TranslateFileResponse in
                    do {
                        let (bytes, detected) = try await service.translateFile(upload, fileName: fileName, request: fileRequest) { done, total in
                            jobs.update(id, .running(done: done, total: total))
                        }
                        let name = try store.save(bytes, fileName: fileName, language: fileRequest.target)
                        let response = TranslateFileResponse(translatedFileUrl: "\(host)/download_file/\(name)", detectedLanguage: detected)
                        jobs.update(id, .finished(response))
                        metrics.recordFileTranslated(format: FileFormat(fileName: fileName)?.rawValue ?? "unknown")
                        return response
                    } catch let error as ServiceError {
                        jobs.update(id, .failed(error))
                        throw error
                    } catch {
                        jobs.update(id, .failed(.internalError("\(error)")))
                        throw error
                    }
                }
                if let response = try await FileJobs.wait(for: task, seconds: service.limits.timeout) {
                    return try json(response)
                }
                return try json(jobResponse(id: id, host: host, state: jobs.state(of: id)), status: .accepted)
            } catch let error as ServiceError {
                throw HTTPServiceError(error)
            } catch is NIOTooManyBytesError {
                throw HTTPServiceError(.tooLarge("the upload is over \(service.limits.fileBytes) bytes (--file-limit)"))
            }
        }
        router.get("/translate_file/jobs/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            let host = request.head.authority.map { "http://\($0)" } ?? ""
            switch service.jobs.state(of: id) {
            case nil:
                throw HTTPServiceError(.notFound(path: "/translate_file/jobs/\(id.prefix(40))"))
            case .failed(let error)?:
                throw HTTPServiceError(error)
            case let state?:
                return try json(jobResponse(id: id, host: host, state: state))
            }
        }
        router.get("/download_file/:name") { _, context in
            let name = context.parameters.get("name") ?? ""
            guard let store = service.files, let bytes = store.load(name) else {
                throw HTTPServiceError(.notFound(path: "/download_file/\(name.prefix(100)) (translated files are kept for \(Int(service.files?.lifetime ?? 0)) s)"))
            }
            let shown = String(name.dropFirst(37))
            return Response(status: .ok, headers: [.contentType: Self.mediaType(of: shown),
                                                   .contentDisposition: "attachment; filename=\"\(shown)\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return router
    }

    /// A job's state as its route answers it.
    static func jobResponse(id: String, host: String, state: FileJobs.State?) -> FileJobResponse {
        let url = "\(host)/translate_file/jobs/\(id)"
        switch state {
        case let .finished(response)?:
            return FileJobResponse(status: "done", jobUrl: url, done: 1, total: 1, translatedFileUrl: response.translatedFileUrl,
                                   detectedLanguage: response.detectedLanguage)
        case let .running(done, total)?:
            return FileJobResponse(status: "running", jobUrl: url, done: done, total: total)
        default:
            return FileJobResponse(status: "running", jobUrl: url, done: 0, total: 0)
        }
    }

    /// The Content-Type of a translated file, by its extension.
    static func mediaType(of fileName: String) -> String {
        switch FileFormat(fileName: fileName) {
        case .text: "text/plain; charset=utf-8"
        case .html: "text/html; charset=utf-8"
        case .xml: "application/xml"
        case .srt: "application/x-subrip"
        case .po: "text/x-gettext-translation; charset=utf-8"
        case .odt: "application/vnd.oasis.opendocument.text"
        case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case nil: "application/octet-stream"
        }
    }

    /// Applies the API key and request limits to a request whose fields are `fields` (the key is
    /// `api_key`, or `apiKey` as the npm client sends it), and counts the outcome.
    static func admit(_ fields: Data, service: TranslationService, metrics: ServiceMetrics, client: String,
                      cost: Int, characters: Int) throws(ServiceError) {
        let object = (try? JSONSerialization.jsonObject(with: fields)) as? [String: Any]
        let key = object?["api_key"] as? String ?? object?["apiKey"] as? String
        do {
            let line = try service.access.admit(key: key, client: client, cost: max(cost, 1), characters: characters)
            metrics.recordAdmitted(keyLine: line)
        } catch {
            if case .slowDown = error { metrics.recordRefused(reason: "slowdown") }
            if case .forbidden = error { metrics.recordRefused(reason: "forbidden") }
            throw error
        }
    }

    /// The request's JSON, or a 400 that says what is wrong with it; `needed` lists the fields it must have.
    static func decode<Request: Decodable>(_ data: Data, needed: String = "q, source, target") throws -> Request {
        guard String(validating: data, as: UTF8.self) != nil else {
            throw HTTPServiceError(.badRequest("the request body is not valid UTF-8"))
        }
        do {
            return try JSONDecoder().decode(Request.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw HTTPServiceError(.badRequest("missing field \"\(key.stringValue)\" (needed: \(needed))"))
        } catch let DecodingError.typeMismatch(_, context) {
            throw HTTPServiceError(.badRequest("field \"\(fieldPath(context))\": \(context.debugDescription)"))
        } catch let DecodingError.valueNotFound(_, context) {
            throw HTTPServiceError(.badRequest("field \"\(fieldPath(context))\" is null"))
        } catch {
            throw HTTPServiceError(.badRequest("the request body is not a JSON object of the form {\"q\": \"text\", \"source\": \"en\", \"target\": \"zh\"}"))
        }
    }

    static func fieldPath(_ context: DecodingError.Context) -> String {
        context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// A `ServiceError` as an HTTP answer: its status and `{"error": "..."}`.
struct HTTPServiceError: HTTPResponseError {
    let error: ServiceError

    init(_ error: ServiceError) { self.error = error }

    var status: HTTPResponse.Status { HTTPResponse.Status(code: error.statusCode) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try Routes.json(ErrorResponse(error: error.description), status: status)
    }
}

/// Counts every answer by route and status and times it; turns Hummingbird's own errors (no route,
/// body too large) into the service's JSON errors.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func record(_ status: HTTPResponse.Status) {
            let elapsed = ContinuousClock.now - start
            let route = context.endpointPath ?? "unknown"
            metrics.recordRequest(route: route == "NotFound" ? "unknown" : route, method: request.method.rawValue, status: status.code,
                                  seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        do {
            let response = try await next(request, context)
            record(response.status)
            return response
        } catch let error as HTTPServiceError {
            record(error.status)
            throw error
        } catch let error as any HTTPResponseError {
            let mapped: ServiceError = switch error.status {
            case .notFound: .notFound(path: request.uri.path)
            case .contentTooLarge: .tooLarge("the request body is too large")
            case .methodNotAllowed: .badRequest("\(request.method.rawValue) is not allowed on \(request.uri.path)")
            default: .badRequest("\(error.status.reasonPhrase)")
            }
            let wrapped = HTTPServiceError(mapped)
            record(error.status == .methodNotAllowed ? wrapped.status : error.status)
            throw wrapped
        } catch {
            record(.internalServerError)
            throw HTTPServiceError(.internalError("\(error)"))
        }
    }
}

/// The request context of the service's routes: Hummingbird's, with the client's address (for
/// the requests per minute of clients without a key).
public struct ServiceRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address ("unknown" where there is none, as in tests without sockets).
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
