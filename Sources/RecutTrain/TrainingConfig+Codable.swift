import RecutData

/// The flat encoding of `TrainingConfig`: one key per setting, the split spread over `split`,
/// `cut-time` and `cut-quantile`, and automatic (nil) settings left out.
///
/// Decoding starts from the defaults, so a file or an older `config.json` may leave keys out.
extension TrainingConfig: Codable {
    /// Writes every setting under its flat key, leaving out the nil ones.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(data, forKey: .data)
        try container.encodeIfPresent(format, forKey: .format)
        try container.encodeIfPresent(columns, forKey: .columns)
        try container.encode(skipBadRows, forKey: .skipBadRows)
        try container.encodeIfPresent(minimumRating, forKey: .minimumRating)
        try container.encode(dropRepeats, forKey: .dropRepeats)
        try container.encode(userCore, forKey: .userCore)
        try container.encode(itemCore, forKey: .itemCore)
        try container.encode(cache, forKey: .cache)
        try container.encodeIfPresent(cacheDirectory, forKey: .cacheDirectory)
        switch split {
        case .leaveOneOut:
            try container.encode(SplitName.leaveOneOut, forKey: .split)
        case .temporal(.time(let time)):
            try container.encode(SplitName.temporal, forKey: .split)
            try container.encode(time, forKey: .cutTime)
        case .temporal(.quantile(let quantile)):
            try container.encode(SplitName.temporal, forKey: .split)
            try container.encode(quantile, forKey: .cutQuantile)
        }
        try container.encode(syntheticUsers, forKey: .syntheticUsers)
        try container.encode(syntheticItems, forKey: .syntheticItems)
        try container.encode(syntheticMeanLength, forKey: .syntheticMeanLength)
        try container.encode(syntheticSeed, forKey: .syntheticSeed)
        try container.encode(loss, forKey: .loss)
        try container.encode(negatives, forKey: .negatives)
        try container.encode(sampler, forKey: .sampler)
        try container.encode(negativeGranularity, forKey: .negativeGranularity)
        try container.encode(collisions, forKey: .collisions)
        try container.encode(logQCorrection, forKey: .logQCorrection)
        try container.encode(gbceT, forKey: .gbceT)
        try container.encodeIfPresent(gradientFiltering, forKey: .gradientFiltering)
        try container.encodeIfPresent(maxLength, forKey: .maxLength)
        try container.encode(dimension, forKey: .dimension)
        try container.encode(blocks, forKey: .blocks)
        try container.encode(heads, forKey: .heads)
        try container.encode(dropout, forKey: .dropout)
        try container.encode(initStandardDeviation, forKey: .initStandardDeviation)
        try container.encode(learningRate, forKey: .learningRate)
        try container.encode(beta1, forKey: .beta1)
        try container.encode(beta2, forKey: .beta2)
        try container.encode(weightDecay, forKey: .weightDecay)
        try container.encode(warmupSteps, forKey: .warmupSteps)
        try container.encode(schedule, forKey: .schedule)
        try container.encode(learningRateFloor, forKey: .learningRateFloor)
        try container.encodeIfPresent(gradientClip, forKey: .gradientClip)
        try container.encode(batchSize, forKey: .batchSize)
        try container.encode(onNonFinite, forKey: .onNonFinite)
        try container.encodeIfPresent(epochs, forKey: .epochs)
        try container.encodeIfPresent(patience, forKey: .patience)
        try container.encode(seed, forKey: .seed)
        try container.encode(device, forKey: .device)
        try container.encode(precision, forKey: .precision)
        try container.encode(output, forKey: .output)
        try container.encode(evaluationKs, forKey: .evaluationKs)
        try container.encode(maskValidation, forKey: .maskValidation)
        try container.encodeIfPresent(checkpointEvery, forKey: .checkpointEvery)
    }

    /// Reads the keys present over the defaults; throws `DecodingError.dataCorrupted` for a
    /// split whose keys do not fit together.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        func read<Value: Decodable>(_ key: CodingKeys, into path: WritableKeyPath<TrainingConfig, Value>) throws {
            if let value = try container.decodeIfPresent(Value.self, forKey: key) { self[keyPath: path] = value }
        }
        func read<Value: Decodable>(_ key: CodingKeys, into path: WritableKeyPath<TrainingConfig, Value?>) throws {
            self[keyPath: path] = try container.decodeIfPresent(Value.self, forKey: key)
        }
        try read(.data, into: \.data)
        try read(.format, into: \.format)
        try read(.columns, into: \.columns)
        try read(.skipBadRows, into: \.skipBadRows)
        try read(.minimumRating, into: \.minimumRating)
        try read(.dropRepeats, into: \.dropRepeats)
        try read(.userCore, into: \.userCore)
        try read(.itemCore, into: \.itemCore)
        try read(.cache, into: \.cache)
        try read(.cacheDirectory, into: \.cacheDirectory)
        let splitName = try container.decodeIfPresent(SplitName.self, forKey: .split) ?? .leaveOneOut
        let cutTime = try container.decodeIfPresent(Double.self, forKey: .cutTime)
        let cutQuantile = try container.decodeIfPresent(Double.self, forKey: .cutQuantile)
        switch (splitName, cutTime, cutQuantile) {
        case (.leaveOneOut, nil, nil): split = .leaveOneOut
        case (.temporal, let time?, nil): split = .temporal(.time(time))
        case (.temporal, nil, let quantile?): split = .temporal(.quantile(quantile))
        case (.leaveOneOut, _, _):
            throw DecodingError.dataCorruptedError(
                forKey: .split, in: container, debugDescription: "cut-time and cut-quantile need split = temporal")
        case (.temporal, _, _):
            throw DecodingError.dataCorruptedError(
                forKey: .split, in: container, debugDescription: "split = temporal needs exactly one of cut-time or cut-quantile")
        }
        try read(.syntheticUsers, into: \.syntheticUsers)
        try read(.syntheticItems, into: \.syntheticItems)
        try read(.syntheticMeanLength, into: \.syntheticMeanLength)
        try read(.syntheticSeed, into: \.syntheticSeed)
        try read(.loss, into: \.loss)
        try read(.negatives, into: \.negatives)
        try read(.sampler, into: \.sampler)
        try read(.negativeGranularity, into: \.negativeGranularity)
        try read(.collisions, into: \.collisions)
        try read(.logQCorrection, into: \.logQCorrection)
        try read(.gbceT, into: \.gbceT)
        try read(.gradientFiltering, into: \.gradientFiltering)
        try read(.maxLength, into: \.maxLength)
        try read(.dimension, into: \.dimension)
        try read(.blocks, into: \.blocks)
        try read(.heads, into: \.heads)
        try read(.dropout, into: \.dropout)
        try read(.initStandardDeviation, into: \.initStandardDeviation)
        try read(.learningRate, into: \.learningRate)
        try read(.beta1, into: \.beta1)
        try read(.beta2, into: \.beta2)
        try read(.weightDecay, into: \.weightDecay)
        try read(.warmupSteps, into: \.warmupSteps)
        try read(.schedule, into: \.schedule)
        try read(.learningRateFloor, into: \.learningRateFloor)
        try read(.gradientClip, into: \.gradientClip)
        try read(.batchSize, into: \.batchSize)
        try read(.onNonFinite, into: \.onNonFinite)
        try read(.epochs, into: \.epochs)
        try read(.patience, into: \.patience)
        try read(.seed, into: \.seed)
        try read(.device, into: \.device)
        try read(.precision, into: \.precision)
        try read(.output, into: \.output)
        try read(.evaluationKs, into: \.evaluationKs)
        try read(.maskValidation, into: \.maskValidation)
        try read(.checkpointEvery, into: \.checkpointEvery)
    }
}
