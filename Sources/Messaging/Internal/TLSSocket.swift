import CRabbitMQ
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// rabbitmq-c's SSL socket for one `amqps://` connection, set up from ``AMQPTLSOptions``, and what
/// explains it when the handshake fails.
///
/// rabbitmq-c loads the CA, the client certificate and key, and runs the handshake; OpenSSL checks
/// the broker's name as part of verifying its chain (IP addresses included, which rabbitmq-c's own
/// check does not handle), and the callbacks in `tls.h` record the failing certificate and set the
/// server name (`server_name_indication`). The socket belongs to the connection state; this object
/// must live as long as that state, since the state's SSL context points at ``diagnosis``.
final class TLSSocket {
    private let socket: OpaquePointer
    private let diagnosis: UnsafeMutablePointer<securenets_tls_diagnosis>
    private let options: AMQPTLSOptions
    private let host: String
    private let port: Int
    /// The name the broker's certificate must hold (nil: none checked).
    private let expectedName: String?
    private var endpoint: String { "\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// Creates the socket on `state` (which owns it) and loads the files.
    ///
    /// - Throws: ``AMQPError/Code/tlsConfigurationInvalid`` naming the file or setting at fault.
    init(state: amqp_connection_state_t, host: String, port: Int, options: AMQPTLSOptions, logger: Logger) throws {
        self.options = options
        self.host = host
        self.port = port
        do {
            try TLSFiles.check(options)
        } catch let error as AMQPError {
            throw AMQPError(.tlsConfigurationInvalid, "cannot set up TLS to \(host):\(port): \(error)")
        }
        guard let socket = amqp_ssl_socket_new(state) else {
            throw AMQPError(.tlsConfigurationInvalid, "cannot set up TLS to \(host):\(port): OpenSSL could not "
                            + "create a context (\(Self.takeOpenSSLError().text))")
        }
        self.socket = socket
        diagnosis = .allocate(capacity: 1)
        diagnosis.initialize(to: securenets_tls_diagnosis())

        let hostIsAddress = Self.isIPAddress(host)
        switch options.serverName {
        case .host:
            expectedName = host
            securenets_tls_set_sni(diagnosis, Int32(hostIsAddress ? SECURENETS_SNI_NONE.rawValue : SECURENETS_SNI_HOST.rawValue), nil)
        case .name(let name):
            expectedName = name
            securenets_tls_set_sni(diagnosis, Int32(SECURENETS_SNI_NAME.rawValue), name)
        case .disabled:
            expectedName = nil
            securenets_tls_set_sni(diagnosis, Int32(SECURENETS_SNI_NONE.rawValue), nil)
        }
        if !options.verifyPeer {
            logger.warning("TLS to \(host):\(port) without verifying the broker (verify=verify_none): anyone on the path can read and change this connection's traffic")
        }

        let context = OpaquePointer(amqp_ssl_socket_get_context(socket))
        let configured = securenets_tls_configure(context, diagnosis, options.verifyPeer ? 1 : 0, expectedName,
                                                  expectedName.map(Self.isIPAddress) == true ? 1 : 0)
        guard configured == 1 else {
            throw configurationError("OpenSSL refused the settings (\(Self.takeOpenSSLError().text))")
        }
        if let caFile = options.caCertificateFile {
            guard amqp_ssl_socket_set_cacert(socket, caFile) == AMQP_STATUS_OK.rawValue else {
                throw configurationError("cannot load cacertfile \(caFile): \(Self.takeOpenSSLError().text)")
            }
        } else if options.verifyPeer {
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw configurationError("cannot load the system's trusted CAs (\(Self.takeOpenSSLError().text)); "
                                         + "set cacertfile")
            }
        }
        if let certificateFile = options.certificateFile, let keyFile = options.keyFile {
            guard amqp_ssl_socket_set_key(socket, certificateFile, keyFile) == AMQP_STATUS_OK.rawValue else {
                let error = Self.takeOpenSSLError()
                throw configurationError(error.reason == X509_R_KEY_VALUES_MISMATCH
                    ? "keyfile \(keyFile) is not the key of certfile \(certificateFile) (key values mismatch)"
                    : "cannot load certfile \(certificateFile) with keyfile \(keyFile): \(error.text)")
            }
        }
        amqp_ssl_socket_set_verify_peer(socket, options.verifyPeer ? 1 : 0)
        // OpenSSL checked the name during verification already (see securenets_tls_configure).
        amqp_ssl_socket_set_verify_hostname(socket, 0)
    }

    deinit {
        diagnosis.deinitialize(count: 1)
        diagnosis.deallocate()
    }

    /// Connects and completes the TLS handshake within `timeout`.
    ///
    /// - Throws: ``AMQPError/Code/tlsHandshakeFailed`` for a certificate that does not verify (on
    ///   either side) or a port that does not speak TLS; ``AMQPError/Code/connectFailed`` (with the
    ///   reason, as for plain connections) when no TCP connection could be made;
    ///   ``AMQPError/Code/timeout``; ``AMQPError/Code/connectionLost`` when the broker hung up
    ///   mid-handshake.
    func open(timeout: Duration) throws {
        ERR_clear_error()
        var limit = timeout.timeval
        let status = amqp_socket_open_noblock(socket, host, Int32(port), &limit)
        guard status != AMQP_STATUS_OK.rawValue else { return }
        if let verification = verificationFailure() {
            throw AMQPError(.tlsHandshakeFailed, TLSFailure.describe(verification, endpoint: endpoint, options: options,
                                                                     expectedName: expectedName))
        }
        switch status {
        case AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED.rawValue, AMQP_STATUS_SOCKET_ERROR.rawValue:
            // rabbitmq-c keeps no reason: connect once more our way to learn it.
            let fd = try openTCPConnection(host: host, port: port, timeout: timeout)
            closeDescriptor(fd)
            throw AMQPError(.connectFailed, "cannot connect to \(endpoint): \(String(cString: amqp_error_string2(status)))")
        case AMQP_STATUS_TIMEOUT.rawValue:
            throw AMQPError(.timeout, "timed out after \(timeout.shortDescription) connecting to \(endpoint) and "
                            + "completing the TLS handshake: is it the broker's TLS port?")
        default:
            throw failure(during: "the TLS handshake")
                ?? AMQPError(.connectionLost, "the broker at \(endpoint) closed the connection during the TLS "
                             + "handshake (\(String(cString: amqp_error_string2(status))))")
        }
    }

    /// What OpenSSL left behind when an operation on this socket failed, as an error when it is
    /// about TLS itself (e.g. the broker refusing our certificate in TLS 1.3, which arrives on the
    /// first read after the handshake); nil otherwise. Clears OpenSSL's error queue.
    func failure(during operation: String) -> AMQPError? {
        var error = Self.takeOpenSSLError()
        let alert = diagnosis.pointee.peer_alert
        if error.reason == 0, alert != 0 { // the queue was cleared, but the callback saw the alert
            error = (Int32(SSL_AD_REASON_OFFSET) + alert, String(cString: SSL_alert_desc_string_long(alert)))
        }
        return TLSFailure.refusal(reason: error.reason, text: error.text, endpoint: endpoint, options: options)
            .map { $0.described("\($0.description) (during \(operation))") }
    }

    /// OpenSSL's reason for the last failure on this thread (nil if it left none), for the
    /// description of a connection lost mid-session. Clears OpenSSL's error queue.
    func pendingErrorText() -> String? {
        let error = Self.takeOpenSSLError()
        return error.reason == 0 && error.text.isEmpty ? nil : error.text
    }

    /// Why the broker refuses us, learned from a second handshake that sends nothing, or nil when
    /// it does not refuse that one within `timeout`.
    ///
    /// Why: a TLS 1.3 broker judges our client certificate after our handshake is done, when
    /// rabbitmq-c is already sending the AMQP header; the broker then closes with our header
    /// unread, so its kernel resets the connection, and the reset can destroy the alert that said
    /// why before we read it. A connection that sends nothing is closed cleanly, alert intact.
    func probeRefusal(timeout: Duration) -> AMQPError? {
        guard let state = amqp_new_connection() else { return nil }
        let silent = Logger(label: "securenets.tls-probe") { _ in SwiftLogNoOpLogHandler() }
        guard let probe = try? TLSSocket(state: state, host: host, port: port, options: options, logger: silent) else {
            amqp_destroy_connection(state)
            return nil
        }
        // The state's SSL context points into the probe until the state is gone.
        return withExtendedLifetime(probe) {
            defer { amqp_destroy_connection(state) }
            do {
                try probe.open(timeout: timeout)
            } catch let error as AMQPError {
                return error.code == .tlsHandshakeFailed ? error : nil
            } catch {
                return nil
            }
            var frame = amqp_frame_t()
            var limit = timeout.timeval
            _ = amqp_simple_wait_frame_noblock(state, &frame, &limit) // a broker that accepts us waits: timeout
            return probe.failure(during: "the TLS handshake")
        }
    }

    private func verificationFailure() -> TLSFailure.Verification? {
        let recorded = diagnosis.pointee
        guard recorded.verify_error != X509_V_OK else { return nil }
        var copy = recorded
        return TLSFailure.Verification(
            code: recorded.verify_error, depth: recorded.depth,
            subject: Self.string(&copy.subject), names: Self.string(&copy.names),
            notBefore: Self.string(&copy.not_before), notAfter: Self.string(&copy.not_after))
    }

    private func configurationError(_ reason: String) -> AMQPError {
        AMQPError(.tlsConfigurationInvalid, "cannot set up TLS to \(endpoint): \(reason)")
    }

    /// The oldest error in this thread's OpenSSL queue, which is then emptied.
    private static func takeOpenSSLError() -> (reason: Int32, text: String) {
        var buffer = [CChar](repeating: 0, count: 256)
        let reason = securenets_tls_take_error(&buffer, buffer.count)
        return (reason, buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    /// A NUL-terminated C array (imported as a tuple) as a String.
    private static func string<T>(_ field: inout T) -> String {
        withUnsafeBytes(of: &field) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET, text, &address) == 1 || inet_pton(AF_INET6, text, &address) == 1
    }
}
