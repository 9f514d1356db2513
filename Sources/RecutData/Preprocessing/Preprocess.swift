/// Turns a raw log into a dataset: rating filter, per-user time order, repeat removal, k-core, dense ids.
///
/// Steps, in order: events rated below `minimumRating` are dropped; each user's events are put
/// in time order (a stable order: ties keep file order); an event repeating the user's previous
/// item is dropped when asked; users and items below their core sizes are removed until none is
/// left below; items get dense ids 1...C and users 0..<U in order of first appearance in the
/// filtered file. Events are bucketed by user with a counting sort, so the work is O(events)
/// apart from sorting the users whose events the file lists out of time order.
///
/// The log is consumed: each column is released as soon as it has served, so that the log and
/// the dataset never coexist in full. That needs the caller to keep no other reference to the
/// log: read and preprocess in one expression, or hand it over with `(consume result).log`.
public func preprocess(_ consumedLog: consuming InteractionLog, options: PreprocessOptions) throws -> Dataset {
    var log = consume consumedLog
    try options.validate()
    let eventCount = log.count
    precondition(
        log.items.count == eventCount && log.timestamps.count == eventCount
            && (log.ratings?.count ?? eventCount) == eventCount,
        "InteractionLog columns differ in length")
    guard eventCount > 0 else { throw DataError.nothingLeft("the log holds no events; nothing to preprocess") }
    guard eventCount < Int(UInt32.max) else {
        throw DataError.invalidOption("the log holds \(eventCount) events; at most \(UInt32.max - 1) are supported")
    }
    if let minimum = options.minimumRating, log.ratings == nil {
        throw DataError.invalidOption(
            "a minimum rating (\(minimum)) was given but the log has no rating column; "
                + "name the rating column or drop the minimum rating")
    }

    var events = EventBuckets(
        users: log.users, userNameCount: log.userNames.count,
        ratingFilter: options.minimumRating.map { (log.ratings!, $0) })
    // The users and ratings have served: release them before the dataset is built.
    log.ratings = nil
    log.users = []
    let userNames = log.userNames
    log.userNames = []
    var report = ["\(eventCount) events in the log"]
    if let minimum = options.minimumRating {
        report.append("\(events.count) rated \(minimum) or more")
        guard events.count > 0 else { throw nothingLeft(report, fix: "lower the minimum rating") }
    }
    events.sortEachUserByTime(timestamps: log.timestamps)
    if options.dropConsecutiveRepeats {
        events.dropConsecutiveRepeats(items: log.items)
        report.append("\(events.count) after dropping consecutive repeats")
    }
    if options.userCore > 1 || options.itemCore > 1 {
        events.filterCores(items: log.items, itemNameCount: log.itemNames.count,
                           userCore: options.userCore, itemCore: options.itemCore)
        report.append("\(events.count) in the \(options.userCore)-user / \(options.itemCore)-item core")
        guard events.count > 0 else { throw nothingLeft(report, fix: "lower the user and item core sizes") }
    }
    return try events.dataset(log: &log, userNames: userNames)
}

private func nothingLeft(_ report: [String], fix: String) -> DataError {
    .nothingLeft("preprocessing left no interactions (\(report.joined(separator: ", "))); \(fix)")
}

/// The surviving events of a log as file indices grouped by user, each group in time order.
///
/// The groups are laid out in interned-user order: user `u` owns `order[start[u]..<start[u + 1]]`.
/// Every filter compacts `order` in place, so memory stays at four bytes per event.
private struct EventBuckets {
    var order: [UInt32]
    var start: [Int]

    var count: Int { start[start.count - 1] }
    var userNameCount: Int { start.count - 1 }

    /// Counting sort of the events that pass the rating filter by user; file order within a user.
    init(users: [Int32], userNameCount: Int, ratingFilter: (ratings: [Float], minimum: Float)?) {
        var start = [Int](repeating: 0, count: userNameCount + 1)
        let ratings = ratingFilter?.ratings ?? []
        let minimum = ratingFilter?.minimum ?? 0
        let filters = ratingFilter != nil
        var order: [UInt32] = []
        users.withUnsafeBufferPointer { users in
            ratings.withUnsafeBufferPointer { ratings in
                start.withUnsafeMutableBufferPointer { start in
                    for event in 0..<users.count where !filters || ratings[event] >= minimum {
                        let user = Int(users[event])
                        precondition(user >= 0 && user < userNameCount, "event \(event): user index out of range")
                        start[user + 1] += 1
                    }
                    for user in 0..<userNameCount { start[user + 1] += start[user] }
                    var next = Array(start[0..<userNameCount])
                    order = [UInt32](unsafeUninitializedCapacity: start[userNameCount]) { order, initialized in
                        next.withUnsafeMutableBufferPointer { next in
                            for event in 0..<users.count where !filters || ratings[event] >= minimum {
                                let user = Int(users[event])
                                order.initializeElement(at: next[user], to: UInt32(event))
                                next[user] += 1
                            }
                        }
                        initialized = order.count
                    }
                }
            }
        }
        self.order = order
        self.start = start
    }

    /// Puts each user's events in time order; ties keep file order.
    ///
    /// Most files list a user's events in time order already, so each group is checked first and
    /// only out-of-order groups are sorted, by (time, file index), which makes the sort stable.
    mutating func sortEachUserByTime(timestamps: [Timestamp]) {
        let start = self.start, userNameCount = self.userNameCount
        timestamps.withUnsafeBufferPointer { times in
            order.withUnsafeMutableBufferPointer { order in
                for user in 0..<userNameCount {
                    let begin = start[user], end = start[user + 1]
                    var sorted = true
                    var position = begin + 1
                    while sorted && position < end {
                        sorted = times[Int(order[position - 1])] <= times[Int(order[position])]
                        position += 1
                    }
                    if sorted { continue }
                    var group = UnsafeMutableBufferPointer(rebasing: order[begin..<end])
                    group.sort { left, right in
                        let leftTime = times[Int(left)], rightTime = times[Int(right)]
                        return leftTime < rightTime || (leftTime == rightTime && left < right)
                    }
                }
            }
        }
    }

    /// Drops each event whose item equals the item of the user's previous kept event.
    mutating func dropConsecutiveRepeats(items: [Int32]) {
        items.withUnsafeBufferPointer { items in
            compact { _, event, previous in
                guard let previous else { return true }
                return items[Int(event)] != items[Int(previous)]
            }
        }
    }

    /// Removes users with fewer than `userCore` events and items with fewer than `itemCore`
    /// events, again and again until every remaining user and item meets its core.
    mutating func filterCores(items: [Int32], itemNameCount: Int, userCore: Int, itemCore: Int) {
        var itemEvents = [Int](repeating: 0, count: itemNameCount)
        items.withUnsafeBufferPointer { items in
            while true {
                var removesSomething = false
                itemEvents.withUnsafeMutableBufferPointer { itemEvents in
                    itemEvents.update(repeating: 0)
                    order.withUnsafeBufferPointer { order in
                        for event in order {
                            let item = Int(items[Int(event)])
                            precondition(item >= 0 && item < itemNameCount, "event \(event): item index out of range")
                            itemEvents[item] += 1
                        }
                    }
                    for count in itemEvents where count > 0 && count < itemCore { removesSomething = true }
                }
                for user in 0..<userNameCount {
                    let length = start[user + 1] - start[user]
                    if length > 0 && length < userCore { removesSomething = true }
                }
                if !removesSomething { return }
                itemEvents.withUnsafeBufferPointer { itemEvents in
                    compact { length, event, _ in
                        length >= userCore && itemEvents[Int(items[Int(event)])] >= itemCore
                    }
                }
            }
        }
    }

    /// Keeps the events for which `keeps(user's event count, event, previous kept event of the
    /// user)` holds, preserving order, and moves the group bounds to match.
    private mutating func compact(_ keeps: (Int, UInt32, UInt32?) -> Bool) {
        let userNameCount = self.userNameCount
        order.withUnsafeMutableBufferPointer { order in
            start.withUnsafeMutableBufferPointer { start in
                var write = 0
                for user in 0..<userNameCount {
                    let begin = start[user], end = start[user + 1]
                    start[user] = write
                    var previous: UInt32? = nil
                    for position in begin..<end {
                        let event = order[position]
                        if keeps(end - begin, event, previous) {
                            order[write] = event
                            write += 1
                            previous = event
                        }
                    }
                }
                start[userNameCount] = write
            }
        }
        order.removeLast(order.count - start[userNameCount])
    }

    /// Assigns dense ids in order of first appearance in the filtered file and packs the sequences.
    ///
    /// Takes the log's remaining columns (items and timestamps) and releases each once used, so
    /// that at most the timestamps, the items and one output column coexist with `order`.
    func dataset(log: inout InteractionLog, userNames: [String]) throws -> Dataset {
        let eventCount = log.items.count
        // A user's first event in the filtered file is the smallest file index of its group.
        var firstEvents: [(event: UInt32, user: Int32)] = []
        order.withUnsafeBufferPointer { order in
            for user in 0..<userNameCount where start[user] < start[user + 1] {
                firstEvents.append((order[start[user]..<start[user + 1]].min()!, Int32(user)))
            }
        }
        firstEvents.sort { $0.event < $1.event }
        let userOfDense = firstEvents.map(\.user)
        firstEvents = []

        var survives = [UInt64](repeating: 0, count: (eventCount + 63) / 64)
        survives.withUnsafeMutableBufferPointer { survives in
            for event in order { survives[Int(event) >> 6] |= 1 << (UInt64(event) & 63) }
        }
        var denseItem = [Int32](repeating: -1, count: log.itemNames.count)
        var itemNames = [""]
        var emptyItemName = false
        log.items.withUnsafeBufferPointer { items in
            for event in 0..<eventCount where survives[event >> 6] & (1 << (UInt64(event) & 63)) != 0 {
                let item = Int(items[event])
                if denseItem[item] < 0 {
                    denseItem[item] = Int32(itemNames.count)
                    itemNames.append(log.itemNames[item])
                    emptyItemName = emptyItemName || log.itemNames[item].isEmpty
                }
            }
        }
        survives = []
        log.itemNames = []
        if emptyItemName {
            throw DataError.invalidOption(
                "the log has an item with an empty id, which is reserved for padding; give every item an id")
        }

        var offsets = [Int](repeating: 0, count: userOfDense.count + 1)
        for (dense, user) in userOfDense.enumerated() {
            offsets[dense + 1] = offsets[dense] + start[Int(user) + 1] - start[Int(user)]
        }
        let sequenceItems = gather(log.items, userOfDense: userOfDense) { denseItem[Int($0)] }
        log.items = []
        let sequenceTimes = gather(log.timestamps, userOfDense: userOfDense) { $0 }
        log.timestamps = []
        return Dataset(
            sequences: Sequences(offsets: offsets, items: sequenceItems, timestamps: sequenceTimes),
            users: IDMap(names: userOfDense.map { userNames[Int($0)] }),
            items: IDMap(names: itemNames))
    }

    /// `transform(column[event])` for every surviving event, user group after user group in dense order.
    private func gather<Value, Output>(
        _ column: [Value], userOfDense: [Int32], _ transform: (Value) -> Output
    ) -> [Output] {
        [Output](unsafeUninitializedCapacity: count) { output, initialized in
            column.withUnsafeBufferPointer { column in
                order.withUnsafeBufferPointer { order in
                    var write = 0
                    for user in userOfDense {
                        for position in start[Int(user)]..<start[Int(user) + 1] {
                            output.initializeElement(at: write, to: transform(column[Int(order[position])]))
                            write += 1
                        }
                    }
                }
            }
            initialized = count
        }
    }
}
