#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens a TCP connection the way rabbitmq-c expects its socket (non-blocking, close-on-exec,
/// no Nagle, keepalive) and returns the descriptor.
///
/// Why not `amqp_socket_open`: it reports every failure as "a socket error occurred" and
/// discards the reason, while people need to read "connection refused" (nothing listens: start
/// the broker) apart from "timed out" (firewall, wrong host) and "cannot resolve host".
///
/// - Throws: ``AMQPError`` with code ``AMQPError/Code/connectFailed``; a refused connection and an
///   unresolvable host carry their cause (see ``AMQPError/isPermanent(connectedBefore:)``).
func openTCPConnection(host: String, port: Int, timeout: Duration) throws -> Int32 {
    func failure(_ reason: String) -> AMQPError {
        AMQPError(.connectFailed, "cannot connect to \(host):\(port): \(reason)")
    }
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    #if canImport(Glibc)
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    #else
    hints.ai_socktype = SOCK_STREAM
    #endif
    hints.ai_protocol = Int32(IPPROTO_TCP)
    var list: UnsafeMutablePointer<addrinfo>?
    let resolved = getaddrinfo(host, String(port), &hints, &list)
    guard resolved == 0, let first = list else {
        throw AMQPError(.connectFailed, "cannot connect to \(host):\(port): cannot resolve host '\(host)' "
                        + "(\(String(cString: gai_strerror(resolved)))); is the broker URL right?",
                        cause: .hostUnresolvable)
    }
    defer { freeaddrinfo(list) }

    let deadline = ContinuousClock.now + timeout
    var lastReason = "no address"
    var refused = false
    var candidate: UnsafeMutablePointer<addrinfo>? = first
    // Try each address in turn (IPv6 and IPv4 for "localhost"), as rabbitmq-c would.
    while let address = candidate {
        candidate = address.pointee.ai_next
        let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard fd >= 0 else {
            lastReason = errnoDescription(errno)
            continue
        }
        var keep = false
        defer { if !keep { close(fd) } }
        configureSocket(fd)
        if connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                refused = errno == ECONNREFUSED
                lastReason = errnoDescription(errno)
                continue
            }
            let remaining = deadline - ContinuousClock.now
            let milliseconds = max(0, remaining.components.seconds * 1000
                                      + remaining.components.attoseconds / 1_000_000_000_000_000)
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, Int32(clamping: milliseconds))
            if ready == 0 {
                lastReason = "timed out after \(timeout.shortDescription)"
                break // the deadline covers all addresses
            }
            var socketError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length) != 0 {
                lastReason = errnoDescription(errno)
                continue
            }
            guard socketError == 0 else {
                refused = socketError == ECONNREFUSED
                lastReason = errnoDescription(socketError)
                continue
            }
        }
        keep = true
        return fd
    }
    if refused {
        throw AMQPError(.connectFailed, "broker at \(host):\(port) refused the connection: nothing listens there; "
                        + "is the URL right? (infra/local/up starts the local broker)", cause: .connectionRefused)
    }
    throw failure(lastReason)
}

private func configureSocket(_ fd: Int32) {
    // Best effort: a socket that refuses an option still works, only less well.
    _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) // rabbitmq-c polls; it never blocks
    var one: Int32 = 1
    let size = socklen_t(MemoryLayout<Int32>.size)
    _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, size) // confirms are latency-bound
    _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, size)
    #if canImport(Darwin)
    _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, size) // Linux: rabbitmq-c sends MSG_NOSIGNAL
    #endif
}

/// "connection refused" rather than "Connection refused": it ends a sentence.
private func errnoDescription(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    guard let first = text.first else { return "error \(code)" }
    return first.lowercased() + text.dropFirst()
}

/// Closes a descriptor that no rabbitmq-c connection owns yet.
func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
