import Foundation
import RecutCore

/// The launch shape of the tiled fused passes (tiled_log_sum_exp_forward.cu and
/// tiled_log_sum_exp_backward.cu): rows in groups of `rowsPerGroup` that share one row of
/// `columns` columns, cut into 64 x 64 tiles (float32 on CUDA cores, bfloat16 on tensor cores:
/// the grids are the same, the blocks differ).
///
/// The full catalog of `cce` is one group whose columns are the items 1...C; per-batch and
/// per-sequence negatives of `cce-` are groups whose columns are the id rows of `ids`.
struct FusedTileGroups {
    static let tile = 64

    /// The negative ids [groups, columns], or 0 for the full catalog.
    let ids: UInt64
    /// The log-q arguments of the kernels: table address, mode, log K.
    let logQ: [KernelArgument]
    let rows: Int
    let columns: Int
    let rowsPerGroup: Int
    let dimension: Int
    let tableRows: Int

    var groups: Int { (rows + rowsPerGroup - 1) / rowsPerGroup }
    var rowTiles: Int { (min(rowsPerGroup, rows) + Self.tile - 1) / Self.tile }
    var columnTiles: Int { (columns + Self.tile - 1) / Self.tile }

    /// The arguments every tiled kernel takes after its outputs and operands.
    var sharedArguments: [KernelArgument] {
        [.address(ids)] + logQ + [.int32(Int32(rows)), .int32(Int32(columns)), .int32(Int32(rowsPerGroup)),
                                  .int32(Int32(dimension)), .int64(tableRows)]
    }

    /// How to cut `tiles` into splits so that about `targetBlocks` blocks run when
    /// `blocksPerSplit` blocks share each split: (splits, tiles per split).
    static func splits(tiles: Int, blocksPerSplit: Int, targetBlocks: Int) -> (count: Int, tilesPerSplit: Int) {
        guard tiles > 0 else { return (1, 1) }
        let wanted = min(tiles, max(1, (targetBlocks + blocksPerSplit - 1) / blocksPerSplit))
        let perSplit = (tiles + wanted - 1) / wanted
        return ((tiles + perSplit - 1) / perSplit, perSplit)
    }
}

/// The kernels of the tiled passes for one operand dtype, and their block size.
struct FusedTileKernels {
    let partials: Kernel
    let hiddenGradient: Kernel
    let tableGradient: Kernel
    let threads: Int

    /// The kernels for hidden states and table of `dtype`: float32 (16 x 16 threads, one 4 x 4
    /// patch each) or bfloat16 (4 warps on mma.sync, d a multiple of 16; sized for 64
    /// dimensions when d is at most 64, else for 128).
    init(_ operation: String, dtype: DType, dimension: Int) {
        switch dtype {
        case .float32:
            (partials, hiddenGradient, tableGradient, threads) =
                (.tiledLogSumExpPartials, .tiledHiddenGradient, .tiledTableGradient, 256)
        case .bfloat16:
            precondition(dimension % 16 == 0,
                         "\(operation): the CUDA bfloat16 fused losses need d a multiple of 16, not \(dimension)")
            (partials, hiddenGradient, tableGradient, threads) = dimension <= 64
                ? (.tiledLogSumExpPartialsBFloat16D64, .tiledHiddenGradientBFloat16D64, .tiledTableGradientBFloat16D64, 128)
                : (.tiledLogSumExpPartialsBFloat16, .tiledHiddenGradientBFloat16, .tiledTableGradientBFloat16, 128)
        default:
            preconditionFailure("CUDA backend: \(operation) does not take \(dtype) hidden states and table")
        }
    }
}

extension CUDABackend {
    /// The log-q arguments of the fused kernels: (table address, mode 0 none / 1 per item /
    /// 2 per negative, log K).
    func fusedLogQArguments(_ logQ: LogQCorrection?, negativeIDs: NegativeIDs, negatives: Int) -> [KernelArgument] {
        let logNegatives = KernelArgument.float(Float(log(Double(max(negatives, 1)))))
        switch logQ {
        case nil:
            return [.address(0), .int32(0), logNegatives]
        case .perItem(let values):
            requireFloat32("fused loss log q", values)
            return [.address(values.address), .int32(1), logNegatives]
        case .perNegative(let values):
            requireFloat32("fused loss log q", values)
            guard case .stored(let ids) = negativeIDs else {
                preconditionFailure("a per-negative log q needs stored negative ids")
            }
            precondition(values.count >= ids.count, "per-negative log q shorter than the negative ids")
            return [.address(values.address), .int32(2), logNegatives]
        }
    }

    /// The blocks a pass aims for: eight per multiprocessor, enough to hide the tails.
    private var fusedTargetBlocks: Int { 8 * driver.multiprocessorCount }

    /// Forward: logSumExp and losses of every row over its group's columns (and its positive
    /// logit when `includePositive`), through per-split partials combined by a second kernel.
    func tiledLogSumExp(_ logSumExp: Tensor, losses: Tensor, positiveLogits: Tensor, hidden: Tensor, table: Tensor,
                        targets: Tensor, groups: FusedTileGroups, includePositive: Bool) {
        let kernels = FusedTileKernels("fused loss forward", dtype: hidden.dtype, dimension: groups.dimension)
        let split = FusedTileGroups.splits(tiles: groups.columnTiles, blocksPerSplit: groups.rowTiles * groups.groups,
                                           targetBlocks: fusedTargetBlocks)
        let maxima = allocateTensor(shape: [split.count * groups.rows], dtype: .float32)
        let sums = allocateTensor(shape: [split.count * groups.rows], dtype: .float32)
        launch(kernels.partials, grid: (groups.rowTiles, groups.groups, split.count), block: (kernels.threads, 1, 1),
               [.address(maxima.address), .address(sums.address), .address(hidden.address), .address(table.address),
                .address(targets.address)] + groups.sharedArguments + [.int32(Int32(split.tilesPerSplit))])
        launchElementwise(.logSumExpCombine, count: groups.rows,
                          [.address(logSumExp.address), .address(losses.address), .address(positiveLogits.address),
                           .address(maxima.address), .address(sums.address), .address(targets.address),
                           .int32(Int32(groups.rows)), .int32(Int32(split.count)), .int32(includePositive ? 1 : 0)])
    }

    /// Backward: writes hiddenGradient from the group's columns and adds the columns' share
    /// into tableGradient (float atomics).
    func tiledGradients(hiddenGradient: Tensor, tableGradient: Tensor, logSumExp: Tensor, hidden: Tensor,
                        table: Tensor, targets: Tensor, groups: FusedTileGroups,
                        gradientScale: Double, filterThreshold: Double) {
        let kernels = FusedTileKernels("fused loss backward", dtype: hidden.dtype, dimension: groups.dimension)
        let weighting: [KernelArgument] = [.float(Float(gradientScale)), .float(Float(filterThreshold))]
        launch(kernels.hiddenGradient, grid: (groups.rowTiles, groups.groups, 1), block: (kernels.threads, 1, 1),
               [.address(hiddenGradient.address), .address(logSumExp.address), .address(hidden.address),
                .address(table.address), .address(targets.address)] + groups.sharedArguments + weighting)
        let split = FusedTileGroups.splits(tiles: groups.rowTiles, blocksPerSplit: groups.columnTiles * groups.groups,
                                           targetBlocks: fusedTargetBlocks)
        launch(kernels.tableGradient, grid: (groups.columnTiles, groups.groups, split.count),
               block: (kernels.threads, 1, 1),
               [.address(tableGradient.address), .address(logSumExp.address), .address(hidden.address),
                .address(table.address), .address(targets.address)] + groups.sharedArguments + weighting
                + [.int32(Int32(split.tilesPerSplit))])
    }
}
