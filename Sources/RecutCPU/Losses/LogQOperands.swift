import RecutCore

extension Optional where Wrapped == LogQCorrection {
    /// The log q tensor of the correction, if any, for listing among an op's widened operands.
    var operands: [Tensor] {
        switch self {
        case .perItem(let values)?, .perNegative(let values)?: [values]
        case nil: []
        }
    }
}

extension LogQCorrection {
    /// The same kind of correction with its log q values read from `values` (a widened copy).
    func reading(_ values: Tensor) -> LogQCorrection {
        switch self {
        case .perItem: .perItem(values)
        case .perNegative: .perNegative(values)
        }
    }
}
