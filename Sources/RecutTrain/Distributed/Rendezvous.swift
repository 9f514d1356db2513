import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The ranks of a data-parallel run meeting over TCP: rank 0 listens on MASTER_ADDR:MASTER_PORT,
/// every other rank connects to it, and through those connections rank 0 hands out bytes
/// (the NCCL unique id) and the ranks wait for each other (barriers, gathered metrics).
///
/// Ranks may start in any order: the others retry until rank 0 listens. Every wait is bounded
/// by `timeout`, and a timeout names the ranks that did not answer.
public final class Rendezvous {
    /// This process's rank.
    public let rank: Int
    /// The number of ranks.
    public let worldSize: Int
    /// The longest wait, in seconds, for any one step (joining, a barrier, a broadcast).
    public let timeout: Double
    /// Rank 0: the connection to each other rank (index 0 unused). Other ranks: the connection to rank 0.
    private var connections: [SocketConnection?]

    private enum Kind: UInt8 {
        case hello = 1, gather = 2, gathered = 3, broadcast = 4
    }

    /// Identifies Recut's rendezvous, so that another program on the port is recognised.
    private static let magic: UInt32 = 0x5245_4355

    /// Meets the other ranks of `environment` (a one-rank environment meets nobody).
    public init(environment: DistributedEnvironment, timeout: Double = 300) throws(DistributedError) {
        rank = environment.rank
        worldSize = environment.worldSize
        self.timeout = timeout
        connections = []
        guard worldSize > 1 else { return }
        let address = "\(environment.masterAddress):\(environment.masterPort)"
        if rank == 0 {
            connections = try Self.acceptRanks(host: environment.masterAddress, port: environment.masterPort,
                                               address: address, worldSize: worldSize, timeout: timeout)
        } else {
            let connection = try Self.connect(host: environment.masterAddress, port: environment.masterPort,
                                              address: address, timeout: timeout)
            var hello = [UInt8]()
            for value in [Self.magic, UInt32(rank), UInt32(worldSize)] {
                withUnsafeBytes(of: value.littleEndian) { hello.append(contentsOf: $0) }
            }
            try connection.send(kind: Kind.hello.rawValue, payload: hello)
            connections = [connection]
        }
    }

    /// Rank 0's `bytes`, on every rank (the others' argument is ignored).
    public func broadcast(_ bytes: [UInt8]) throws(DistributedError) -> [UInt8] {
        guard worldSize > 1 else { return bytes }
        if rank == 0 {
            for connection in connections.dropFirst() { try connection!.send(kind: Kind.broadcast.rawValue, payload: bytes) }
            return bytes
        }
        return try connections[0]!.receive(kind: Kind.broadcast.rawValue,
                                           deadline: Deadline(seconds: timeout, activity: "a broadcast from rank 0"), waitingFor: [0])
    }

    /// Every rank's `bytes`, indexed by rank, on every rank.
    public func allGather(_ bytes: [UInt8]) throws(DistributedError) -> [[UInt8]] {
        try allGather(bytes, activity: "a gather")
    }

    /// Returns once every rank has called it.
    public func barrier() throws(DistributedError) {
        _ = try allGather([], activity: "a barrier")
    }

    private func allGather(_ bytes: [UInt8], activity: String) throws(DistributedError) -> [[UInt8]] {
        guard worldSize > 1 else { return [bytes] }
        let deadline = Deadline(seconds: timeout, activity: activity)
        guard rank == 0 else {
            try connections[0]!.send(kind: Kind.gather.rawValue, payload: bytes)
            return try Self.decode(try connections[0]!.receive(kind: Kind.gathered.rawValue, deadline: deadline, waitingFor: [0]),
                                   count: worldSize)
        }
        var gathered = [[UInt8]](repeating: [], count: worldSize)
        gathered[0] = bytes
        var pending = Array(1..<worldSize)
        while !pending.isEmpty {
            let descriptors = pending.map { connections[$0]!.descriptor }
            let ready = try deadline.wait(for: descriptors, ranks: pending)
            for peer in pending where ready.contains(connections[peer]!.descriptor) {
                gathered[peer] = try connections[peer]!.receive(kind: Kind.gather.rawValue, deadline: deadline, waitingFor: [peer])
            }
            pending.removeAll { ready.contains(connections[$0]!.descriptor) }
        }
        let encoded = Self.encode(gathered)
        for connection in connections.dropFirst() { try connection!.send(kind: Kind.gathered.rawValue, payload: encoded) }
        return gathered
    }

    // MARK: Joining

    /// Rank 0: listens, then accepts and checks a hello from every other rank.
    private static func acceptRanks(host: String, port: UInt16, address: String, worldSize: Int,
                                    timeout: Double) throws(DistributedError) -> [SocketConnection?] {
        let listener = try listen(host: host, port: port, address: address)
        defer { close(listener) }
        let deadline = Deadline(seconds: timeout, activity: "joining at \(address) (\(worldSize) ranks)")
        var connections = [SocketConnection?](repeating: nil, count: worldSize)
        var missing: [Int] { (1..<worldSize).filter { connections[$0] == nil } }
        while !missing.isEmpty {
            try deadline.wait(for: listener, ranks: missing)
            let descriptor = accept(listener, nil, nil)
            if descriptor < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                throw .socket(call: "accept", address: address, detail: String(cString: strerror(errno)))
            }
            let connection = SocketConnection(descriptor: descriptor, peer: "a rank connecting to \(address)")
            let hello = try connection.receive(kind: Kind.hello.rawValue, deadline: deadline, waitingFor: missing)
            guard hello.count == 12 else {
                throw .protocolViolation(detail: "a hello of \(hello.count) bytes arrived at \(address); is another program using the port?")
            }
            let fields = (0..<3).map { index in
                hello[(index * 4)..<(index * 4 + 4)].withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
            }
            guard fields[0] == magic else {
                throw .protocolViolation(detail: "a connection to \(address) is not a Recut rank; is another program using the port?")
            }
            let peer = Int(fields[1])
            guard Int(fields[2]) == worldSize else {
                throw .protocolViolation(detail: "rank \(peer) says WORLD_SIZE is \(fields[2]), rank 0 says \(worldSize)")
            }
            guard (1..<worldSize).contains(peer), connections[peer] == nil else {
                throw .protocolViolation(detail: "rank \(peer) joined twice or is outside 1..<\(worldSize); give each process its own RANK")
            }
            connection.peer = "rank \(peer)"
            connections[peer] = connection
        }
        return connections
    }

    /// A socket listening on `host`:`port`.
    private static func listen(host: String, port: UInt16, address: String) throws(DistributedError) -> Int32 {
        let target = try resolve(host: host, port: port, address: address)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw .socket(call: "socket", address: address, detail: String(cString: strerror(errno))) }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = target
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(descriptor, 128) == 0 else {
            let detail = String(cString: strerror(errno))
            close(descriptor)
            throw .socket(call: "bind/listen", address: address, detail: "\(detail); is MASTER_PORT already in use?")
        }
        return descriptor
    }

    /// Rank 1 and up: connects to rank 0, retrying while it is not listening yet.
    private static func connect(host: String, port: UInt16, address: String,
                                timeout: Double) throws(DistributedError) -> SocketConnection {
        let deadline = Deadline(seconds: timeout, activity: "connecting to rank 0 at \(address)")
        let target = try resolve(host: host, port: port, address: address)
        while true {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw .socket(call: "socket", address: address, detail: String(cString: strerror(errno))) }
            var socketAddress = target
            let connected = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if connected == 0 { return SocketConnection(descriptor: descriptor, peer: "rank 0 at \(address)") }
            close(descriptor)
            guard deadline.end.timeIntervalSinceNow > 0 else {
                throw .timeout(waitingFor: [0], seconds: timeout, during: deadline.activity)
            }
            usleep(100_000)
        }
    }

    /// The IPv4 address of `host` (a name or dotted quad) with `port`.
    private static func resolve(host: String, port: UInt16, address: String) throws(DistributedError) -> sockaddr_in {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw .socket(call: "getaddrinfo", address: address,
                          detail: "\(String(cString: gai_strerror(status))); check MASTER_ADDR")
        }
        defer { freeaddrinfo(results) }
        return first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
    }

    /// A TCP port on the loopback interface that is free now (for a launcher on one host).
    public static func freePort() throws(DistributedError) -> UInt16 {
        let descriptor = try listen(host: "127.0.0.1", port: 0, address: "127.0.0.1:0")
        defer { close(descriptor) }
        var socketAddress = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard status == 0 else {
            throw .socket(call: "getsockname", address: "127.0.0.1:0", detail: String(cString: strerror(errno)))
        }
        return UInt16(bigEndian: socketAddress.sin_port)
    }

    // MARK: Encoding

    private static func encode(_ parts: [[UInt8]]) -> [UInt8] {
        var bytes = [UInt8]()
        for part in parts {
            withUnsafeBytes(of: UInt64(part.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: part)
        }
        return bytes
    }

    private static func decode(_ bytes: [UInt8], count: Int) throws(DistributedError) -> [[UInt8]] {
        var parts = [[UInt8]]()
        var position = 0
        while parts.count < count {
            guard position + 8 <= bytes.count else { throw .protocolViolation(detail: "rank 0 sent a truncated gather") }
            let length = bytes[position..<(position + 8)].withUnsafeBytes {
                Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)))
            }
            position += 8
            guard position + length <= bytes.count else { throw .protocolViolation(detail: "rank 0 sent a truncated gather") }
            parts.append(Array(bytes[position..<(position + length)]))
            position += length
        }
        return parts
    }
}
