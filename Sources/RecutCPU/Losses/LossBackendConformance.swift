import RecutCore

/// The CPU backend runs every loss; its loss kernels live in the files of this folder.
extension CPUBackend: LossBackend {}
