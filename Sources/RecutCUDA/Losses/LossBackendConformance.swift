import RecutCore

/// The CUDA backend runs every loss; its loss launchers live in the files of this folder.
extension CUDABackend: LossBackend {}
