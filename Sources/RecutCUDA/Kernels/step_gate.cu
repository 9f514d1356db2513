// Skipping a step whose loss or gradients are not finite, decided on the device so that steps
// never read back: the checks clear a float32 gate, AdamW and the loss sum read it. A gate is open
// only while it holds exactly 1, so that averaging the gates of data-parallel ranks closes all of
// them when one is closed.
// Parallel layout of the checks: a grid-stride loop; a thread that meets a non-finite value
// clears the gate (every such write stores the same 0, so the race is benign).
#include "block_reduce.cuh"

extern "C" __global__ void clear_gate_if_non_finite_f32(float *gate, const float *values, long long count) {
    RECUT_FOR_EACH(i, count) if (!isfinite(values[i])) gate[0] = 0.0f;
}

extern "C" __global__ void clear_gate_if_non_finite_f64(float *gate, const double *values, long long count) {
    RECUT_FOR_EACH(i, count) if (!isfinite(values[i])) gate[0] = 0.0f;
}

// One thread: the step's value joins the total when the gate is open, else the skip count grows.
extern "C" __global__ void commit_gated_f64(double *total, double *skipped, const double *stepValue, const float *gate) {
    if (gate[0] == 1.0f) total[0] += stepValue[0];
    else skipped[0] += 1.0;
}
