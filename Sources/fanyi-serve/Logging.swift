import Logging

/// Hummingbird's logger at warning level: the tool prints its own start lines; request logs would
/// cost more than the requests on a busy 2-core machine.
func quietLogger() -> Logger {
    var logger = Logger(label: "fanyi-serve")
    logger.logLevel = .warning
    return logger
}
