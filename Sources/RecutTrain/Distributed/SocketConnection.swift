import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One connected TCP socket with whole-message reads and writes bounded by a deadline.
///
/// Messages are framed as a one-byte kind and an 8-byte little-endian length, so that ranks
/// out of step (one in a barrier, another in a broadcast) are caught instead of misreading bytes.
final class SocketConnection {
    let descriptor: Int32
    /// The peer, for error messages ("rank 3", "127.0.0.1:29500").
    var peer: String

    init(descriptor: Int32, peer: String) {
        self.descriptor = descriptor
        self.peer = peer
    }

    deinit { close(descriptor) }

    /// Sends one message of `kind` carrying `payload`.
    func send(kind: UInt8, payload: [UInt8]) throws(DistributedError) {
        var header = [kind]
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { header.append(contentsOf: $0) }
        try write(header)
        try write(payload)
    }

    /// Receives one message, which must be of `kind`, waiting at most until `deadline`.
    func receive(kind: UInt8, deadline: Deadline, waitingFor ranks: [Int]) throws(DistributedError) -> [UInt8] {
        let during = deadline.activity
        let header = try read(count: 9, deadline: deadline, ranks: ranks)
        guard header[0] == kind else {
            throw .protocolViolation(detail: "\(peer) sent a message of kind \(header[0]) during \(during), which expects kind \(kind); the ranks are out of step")
        }
        let length = header[1...].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length <= 1 << 32 else {
            throw .protocolViolation(detail: "\(peer) announced a message of \(length) bytes during \(during)")
        }
        return try read(count: Int(length), deadline: deadline, ranks: ranks)
    }

    private func write(_ bytes: [UInt8]) throws(DistributedError) {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Glibc.send(descriptor, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .socket(call: "send", address: peer, detail: String(cString: strerror(errno)))
            }
            sent += result
        }
    }

    /// Reads exactly `count` bytes; a peer that closes first or stays silent past `deadline` is an error.
    private func read(count: Int, deadline: Deadline, ranks: [Int]) throws(DistributedError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            try deadline.wait(for: descriptor, ranks: ranks)
            let result = bytes.withUnsafeMutableBytes { buffer in
                recv(descriptor, buffer.baseAddress! + received, count - received, 0)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .socket(call: "recv", address: peer, detail: String(cString: strerror(errno)))
            }
            if result == 0 {
                throw .protocolViolation(detail: "\(peer) closed the connection during \(deadline.activity) (did that rank exit?)")
            }
            received += result
        }
        return bytes
    }
}

/// When a step of the rendezvous must be done by, and what it is (for the timeout message).
struct Deadline {
    let end: Date
    let seconds: Double
    let activity: String

    init(seconds: Double, activity: String) {
        end = Date(timeIntervalSinceNow: seconds)
        self.seconds = seconds
        self.activity = activity
    }

    /// Blocks until one of `descriptors` is readable and returns the readable ones; throws a timeout
    /// naming `ranks` (one per descriptor) at the end.
    @discardableResult
    func wait(for descriptors: [Int32], ranks: [Int]) throws(DistributedError) -> [Int32] {
        var requests = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while true {
            let remaining = end.timeIntervalSinceNow
            guard remaining > 0 else { throw .timeout(waitingFor: ranks.sorted(), seconds: seconds, during: activity) }
            let ready = poll(&requests, nfds_t(requests.count), Int32(min(remaining * 1000, 1000).rounded(.up)))
            if ready > 0 { return requests.filter { $0.revents != 0 }.map(\.fd) }
            if ready < 0 && errno != EINTR {
                throw .socket(call: "poll", address: "\(descriptors.count) sockets", detail: String(cString: strerror(errno)))
            }
        }
    }

    func wait(for descriptor: Int32, ranks: [Int]) throws(DistributedError) {
        try wait(for: [descriptor], ranks: ranks)
    }
}
