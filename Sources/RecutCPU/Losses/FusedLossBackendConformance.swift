import RecutCore

/// The CPU backend runs the fused losses; their passes live in SampledLogSumExp.swift
/// (`cce-`) and FullLogSumExp.swift (`cce`).
extension CPUBackend: FusedLossBackend {}
