import Foundation

/// Seconds since this process started, for reports such as the time to the first training
/// step (data loading, set-up and kernel compilation included).
enum ProcessUptime {
    /// Linux: the process's start time in /proc/self/stat (field 22, clock ticks after boot)
    /// against /proc/uptime; nil where those files are missing or unreadable.
    static func seconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
              let nameEnd = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name start at field 3 (state), so field 22 is index 19.
        let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
        guard fields.count > 19, let startTicks = Double(fields[19]),
              let now = uptime.split(separator: " ").first.flatMap({ Double($0) }) else { return nil }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ticksPerSecond > 0 ? now - startTicks / ticksPerSecond : nil
    }
}
