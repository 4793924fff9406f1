import SecureNetsMessaging
import Testing

@Suite("AMQP URL parsing (no broker)")
struct AMQPURLTests {
    @Test func parsesEveryPart() throws {
        let url = try AMQPURL("amqp://securenets:s3cret@127.0.0.1:5673/securenets")
        #expect(url == AMQPURL(user: "securenets", password: "s3cret", host: "127.0.0.1", port: 5673,
                               vhost: "securenets"))
    }

    @Test func withoutPathMeansTheDefaultVhost() throws {
        let url = try AMQPURL("amqp://rabbit.example")
        #expect(url == AMQPURL(user: "guest", password: "guest", host: "rabbit.example", port: 5672, vhost: "/"))
    }

    @Test(arguments: [
        ("amqp://u:p@h/%2f", "/"),
        ("amqp://u:p@h/%2Fteam", "/team"),
        ("amqp://u:p@h/a%20b", "a b"),
        ("amqp://u:p@h/caf%C3%A9", "café"),
    ])
    func percentDecodesTheVhost(url: String, vhost: String) throws {
        #expect(try AMQPURL(url).vhost == vhost)
    }

    @Test func percentDecodesUserAndPassword() throws {
        let url = try AMQPURL("amqp://us%40er:p%3Aa%2Fss@h")
        #expect(url.user == "us@er")
        #expect(url.password == "p:a/ss")
    }

    @Test func bracketedIPv6Host() throws {
        let url = try AMQPURL("amqp://u:p@[::1]:5679/v")
        #expect(url.host == "::1")
        #expect(url.port == 5679)
        #expect(url.description == "amqp://u:***@[::1]:5679/v")
    }

    @Test func descriptionHidesThePassword() throws {
        let url = try AMQPURL("amqp://securenets:topsecret@127.0.0.1/%2f")
        #expect(url.description == "amqp://securenets:***@127.0.0.1:5672/%2f")
        #expect(!"\(url)".contains("topsecret"))
    }

    @Test(arguments: [
        ("http://h", "scheme must be amqp or amqps"),
        ("amqp://h/", "trailing '/' names the empty vhost"),
        ("amqp://h:0", "port must be a number"),
        ("amqp://h:99999", "port must be a number"),
        ("amqp://h:x", "port must be a number"),
        ("amqp://h/%zz", "bad percent escape in the vhost"),
        ("amqp://h/%00", "contains %00"),
        ("amqp://h/v?heartbeat=10", "unknown query parameter 'heartbeat' (amqp:// URLs take none"),
        ("amqp://h/v?cacertfile=/ca.pem", "'cacertfile' is a TLS setting: use amqps://"),
        ("amqp://h/v#top", "fragments"),
        ("127.0.0.1:5672", "expected amqp://"),
        // amqps:// query parameters
        ("amqps://h?ca=/x", "unknown query parameter 'ca' (amqps:// URLs take cacertfile, certfile, keyfile, verify, server_name_indication)"),
        ("amqps://h?heartbeat=5", "unknown query parameter 'heartbeat'"),
        ("amqps://h?cacertfile=/a&cacertfile=/b", "query parameter 'cacertfile' appears twice"),
        ("amqps://h?cacertfile=", "query parameter 'cacertfile' has no value"),
        ("amqps://h?cacertfile", "query parameter 'cacertfile' has no '=value'"),
        ("amqps://h?verify=yes", "verify must be verify_peer or verify_none, not 'yes'"),
        ("amqps://h?server_name_indication=a%20b", "server_name_indication must be a DNS name or 'disable'"),
        ("amqps://h?certfile=/c.pem", "certfile needs keyfile"),
        ("amqps://h?keyfile=/k.pem", "keyfile needs certfile"),
        ("amqps://h?cacertfile=/x%zz", "bad percent escape in the cacertfile parameter"),
        ("amqps://h?cacertfile=/x%00", "the cacertfile parameter contains %00"),
        ("amqps://h/?cacertfile=/ca.pem", "trailing '/' names the empty vhost"),
    ])
    func refusesWithAReason(url: String, reason: String) {
        #expect {
            try AMQPURL(url)
        } throws: { error in
            let error = error as? AMQPError
            return error?.code == .invalidURL && error?.description.contains(reason) == true
        }
    }

    @Test func errorsDoNotRevealThePassword() {
        #expect {
            try AMQPURL("amqp://user:hunter2@h:bad/v")
        } throws: { error in
            "\(error)".contains("amqp://user:***@h:bad/v") && !"\(error)".contains("hunter2")
        }
    }
}
