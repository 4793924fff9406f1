import CRabbitMQ

/// The sentence for a failed TLS handshake: which certificate failed and why (unknown CA, name
/// mismatch, expired, ...), or what the broker refused, and what to change.
///
/// rabbitmq-c says only "SSL peer verify failed" or "SSL handshake failed"; these come from what
/// OpenSSL recorded (``Verification``) or left in its error queue (``refusal(reason:text:endpoint:options:)``).
enum TLSFailure {
    /// The first certificate that failed OpenSSL's verification.
    struct Verification {
        /// An `X509_V_ERR_*` code.
        var code: Int32
        /// 0 for the broker's own certificate, 1 for its issuer, ...
        var depth: Int32
        /// `/CN=localhost`.
        var subject: String
        /// `DNS:localhost, IP:127.0.0.1`.
        var names: String
        var notBefore: String
        var notAfter: String
    }

    /// Why the broker's certificate was not accepted.
    static func describe(_ failure: Verification, endpoint: String, options: AMQPTLSOptions,
                         expectedName: String?) -> String {
        let certificate = failure.depth == 0
            ? "its certificate (\(failure.subject))"
            : "a certificate in its chain (\(failure.subject), \(failure.depth) above its own)"
        let trusted = options.caCertificateFile.map { "cacertfile \($0)" }
            ?? "the system's trusted CAs (no cacertfile given)"
        let start = "TLS to the broker at \(endpoint) failed:"
        switch failure.code {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return "\(start) unknown CA: no CA in \(trusted) vouches for its certificate chain (failed at "
                + "\(failure.subject), \(failure.depth == 0 ? "its own certificate" : "\(failure.depth) above its own")); "
                + "set cacertfile to the certificate of the CA that signed the broker's"
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return "\(start) \(certificate) expired on \(failure.notAfter): renew it on the broker "
                + "(or check this machine's clock)"
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return "\(start) \(certificate) is not valid before \(failure.notBefore): check this machine's clock"
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return "\(start) name mismatch: its certificate is for \(failure.names), not for "
                + "'\(expectedName ?? "?")'; connect by a name the certificate holds, or set "
                + "server_name_indication to one"
        default:
            return "\(start) \(certificate) did not verify: \(String(cString: X509_verify_cert_error_string(Int(failure.code))))"
        }
    }

    /// What an OpenSSL error left by a failed handshake (or by the first read after it, where
    /// TLS 1.3 delivers the broker's verdict on our certificate) means; nil when it says
    /// nothing about TLS itself (the connection simply broke, which is worth retrying).
    static func refusal(reason: Int32, text: String, endpoint: String, options: AMQPTLSOptions) -> AMQPError? {
        let start = "TLS to the broker at \(endpoint) failed:"
        let ours = options.certificateFile.map { "our client certificate (certfile \($0))" } ?? "our client certificate"
        let message: String
        switch reason {
        case 0, SSL_R_UNEXPECTED_EOF_WHILE_READING:
            return nil
        case SSL_R_WRONG_VERSION_NUMBER, SSL_R_PACKET_LENGTH_TOO_LONG, SSL_R_HTTP_REQUEST, SSL_R_UNKNOWN_PROTOCOL:
            message = "\(start) it does not speak TLS (OpenSSL: \(text)): is it the broker's plain AMQP port "
                + "(5672)? use amqp:// for that port, or amqps:// with the broker's TLS port (5671 by default)"
        case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
            message = "\(start) the broker requires a client certificate: add certfile and keyfile to the URL"
        case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
            message = "\(start) the broker does not trust \(ours): unknown CA (it was not issued by a CA in the "
                + "broker's ssl_options.cacertfile)"
        case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
            message = "\(start) the broker refused \(ours): it has expired"
        case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE,
             SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED, SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN,
             SSL_R_TLSV1_ALERT_ACCESS_DENIED:
            message = "\(start) the broker refused \(ours) (OpenSSL: \(text))"
        case SSL_R_TLSV1_UNRECOGNIZED_NAME:
            message = "\(start) the broker has no certificate for the server name we sent "
                + "(server_name_indication; OpenSSL: \(text))"
        case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
            message = "\(start) the broker refused the handshake (OpenSSL: \(text)): it may require a client "
                + "certificate (certfile and keyfile), or share no TLS version or cipher with this client"
        default:
            message = "\(start) \(text)"
        }
        return AMQPError(.tlsHandshakeFailed, message)
    }
}
