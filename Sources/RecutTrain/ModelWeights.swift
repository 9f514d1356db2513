import RecutCore

extension TrainingConfig {
    /// The SASRec hyperparameters of these settings over a catalog of `catalogSize` items.
    public func modelConfiguration(catalogSize: Int) -> SASRecConfiguration {
        SASRecConfiguration(catalogSize: catalogSize, maxLength: resolvedMaxLength, dimension: dimension, blocks: blocks,
                            heads: heads, dropout: dropout, initialStandardDeviation: initStandardDeviation)
    }

    /// The AdamW hyperparameters of these settings (the learning rate is the schedule's peak).
    public var optimizerConfiguration: AdamWConfiguration {
        AdamWConfiguration(learningRate: learningRate, beta1: beta1, beta2: beta2, weightDecay: weightDecay,
                           maximumGradientNorm: gradientClip)
    }
}

/// Moving the named slices of a flat parameter buffer (weights, optimizer moments) to and
/// from the host tensors that checkpoints hold.
public enum FlatBufferTensors {
    /// One float32 `NamedTensor` per entry of `layout`, read from `buffer`, named `prefix + name + suffix`.
    public static func download(_ buffer: Tensor, layout: ParameterLayout, backend: any Backend,
                                suffix: String = "") -> [NamedTensor] {
        let values: [Float] = backend.download(buffer)
        return layout.entries.map { entry in
            NamedTensor(name: entry.name + suffix, shape: entry.shape,
                        values: Array(values[entry.offset..<(entry.offset + entry.count)]))
        }
    }

    /// Writes into `buffer` the tensor named `name + suffix` of every entry of `layout`.
    ///
    /// Throws when a tensor is missing or has another shape or element type, naming it and `file`.
    public static func upload(_ tensors: [NamedTensor], into buffer: Tensor, layout: ParameterLayout,
                              backend: any Backend, suffix: String = "", file: String) throws(TrainError) {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var values = [Float](repeating: 0, count: layout.totalCount)
        for entry in layout.entries {
            guard let tensor = byName[entry.name + suffix] else {
                throw .corrupt(file: file, reason: "no tensor named \(entry.name + suffix)")
            }
            guard tensor.shape == entry.shape, case .float32(let stored) = tensor.values else {
                throw .corrupt(file: file, reason: "\(entry.name + suffix) is \(tensor.values.dtype) \(tensor.shape), "
                    + "the model needs F32 \(entry.shape) (was the checkpoint made with other settings or data?)")
            }
            values.replaceSubrange(entry.offset..<(entry.offset + entry.count), with: stored)
        }
        backend.write(values, into: buffer)
    }
}

extension SASRec {
    /// The weights by name, as `model.safetensors` stores them.
    public func namedWeights() -> [NamedTensor] {
        FlatBufferTensors.download(parameters, layout: layout, backend: backend)
    }

    /// Replaces the weights with `tensors` (from `model.safetensors` at `file`).
    public func loadWeights(_ tensors: [NamedTensor], file: String) throws(TrainError) {
        try FlatBufferTensors.upload(tensors, into: parameters, layout: layout, backend: backend, file: file)
    }
}

extension Checkpoint {
    /// The model of this checkpoint on `backend`, its weights loaded from `folder`, with buffers
    /// for `maximumBatch` sequences (default: the run's batch size).
    public func makeModel(backend: any Backend, folder: String, maximumBatch: Int? = nil) throws(TrainError) -> SASRec {
        guard model.itemRows >= 2 else {
            throw .corrupt(file: folder + "/" + CheckpointStore.FileName.config, reason: "item_rows must be at least 2")
        }
        let model = SASRec(configuration: config.modelConfiguration(catalogSize: model.itemRows - 1), backend: backend,
                           maximumBatch: maximumBatch ?? config.batchSize, seed: 0)
        try model.loadWeights(tensors, file: folder + "/" + CheckpointStore.FileName.model)
        return model
    }
}
