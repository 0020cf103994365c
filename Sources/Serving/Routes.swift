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
/// | `GET /health` | `{"status": "ok", ...}` |
/// | `GET /metrics` | Prometheus text format |
/// | `GET /` | the web page |
///
/// POST bodies may be JSON, a URL-encoded form or multipart/form-data (`FormBody`); fields a route
/// does not know (`api_key`, `apiKey`, `secret`) are ignored. Every answer allows any origin
/// (CORS, with preflight requests answered). Every error is `{"error": "..."}` with its status
/// (400, 404, 413, 503).
public enum Routes {
    public static func router(service: TranslationService, metrics: ServiceMetrics) -> Router<BasicRequestContext> {
        let router = Router()
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
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
        }
        router.post("/translate") { request, _ in
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
            } catch let error as ServiceError {
                throw HTTPServiceError(error)
            }
            do {
                return try json(try await service.translate(translateRequest))
            } catch let error as ServiceError {
                throw HTTPServiceError(error)
            }
        }
        router.post("/detect") { request, _ in
            do {
                let body = try await request.body.collect(upTo: service.limits.bodyBytes)
                let fields = try FormBody.json(Array(body.readableBytesView), contentType: request.headers[.contentType], repeatable: ["q"])
                let detectRequest: DetectRequest = try decode(fields, needed: "q")
                return try json(try service.detect(detectRequest))
            } catch let error as ServiceError {
                throw HTTPServiceError(error)
            } catch is NIOTooManyBytesError {
                throw HTTPServiceError(.tooLarge("the request body is over \(service.limits.bodyBytes) bytes (--char-limit \(service.limits.characters))"))
            }
        }
        return router
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
