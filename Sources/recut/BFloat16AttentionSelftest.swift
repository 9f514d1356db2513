import RecutCore

extension BackendSelftest {
    /// One causal attention check in mixed precision: bfloat16 qkv, output and gradients, float32
    /// saved state (the backend's own, so only outputs and gradients are compared), against the
    /// float64 reference on the same bfloat16-rounded inputs.
    func checkBFloat16Attention(batch: Int, length: Int, heads: Int, dimension: Int, dropout: Double) {
        let seed = generator.next()
        let qkv = randomPair([batch, length, 3 * dimension], dtype: .bfloat16)
        let output = poisoned([batch, length, dimension], dtype: .bfloat16)
        let subjectSaved = subject.makeTensor(
            shape: [subject.attentionSavedCount(batch: batch, length: length, heads: heads, dimension: dimension)],
            dtype: .float32)
        subject.fill(subjectSaved, with: .nan)
        let referenceSaved = reference.makeTensor(
            shape: [reference.attentionSavedCount(batch: batch, length: length, heads: heads, dimension: dimension)],
            dtype: .float64)
        let name = "bfloat16 B=\(batch) L=\(length) h=\(heads) d=\(dimension) dropout=\(dropout)"
        subject.attentionForward(output.subject, saved: subjectSaved, qkv: qkv.subject, batch: batch,
                                 length: length, heads: heads, dimension: dimension, dropout: dropout, seed: seed)
        reference.attentionForward(output.reference, saved: referenceSaved, qkv: qkv.reference,
                                   batch: batch, length: length, heads: heads, dimension: dimension,
                                   dropout: dropout, seed: seed)
        record("attentionForward \(name)", [output], threshold: Self.bfloat16Threshold)
        let outputGradient = randomPair([batch, length, dimension], dtype: .bfloat16)
        let qkvGradient = poisoned([batch, length, 3 * dimension], dtype: .bfloat16)
        subject.attentionBackward(qkvGradient.subject, outputGradient: outputGradient.subject, qkv: qkv.subject,
                                  saved: subjectSaved, batch: batch, length: length, heads: heads,
                                  dimension: dimension, dropout: dropout, seed: seed)
        reference.attentionBackward(qkvGradient.reference, outputGradient: outputGradient.reference, qkv: qkv.reference,
                                    saved: referenceSaved, batch: batch, length: length, heads: heads,
                                    dimension: dimension, dropout: dropout, seed: seed)
        record("attentionBackward \(name)", [qkvGradient], threshold: Self.bfloat16Threshold)
    }
}
