// PyTorch's AdamW in one pass: decay the parameter, update the moments, step by the
// bias-corrected moments, unless a gate (null: none) is closed
// (anything but 1: see step_gate.cu). Parallel layout: a grid-stride
// loop over elements.
#include "block_reduce.cuh"

extern "C" __global__ void adamw_f32(float *parameters, const float *gradients, float *firstMoment,
                                     float *secondMoment, long long count,
                                     float learningRate, float beta1, float beta2, float epsilon, float decay,
                                     float gradientScale, float firstCorrection, float secondCorrectionRoot,
                                     const float *gate) {
    if (gate != nullptr && gate[0] != 1.0f) return;
    RECUT_FOR_EACH(i, count) {
        float g = gradients[i] * gradientScale;
        float m = beta1 * firstMoment[i] + (1.0f - beta1) * g;
        float v = beta2 * secondMoment[i] + (1.0f - beta2) * g * g;
        firstMoment[i] = m;
        secondMoment[i] = v;
        float p = parameters[i];
        float decayed = p - decay * p;
        parameters[i] = decayed - learningRate * (m / firstCorrection) / (sqrtf(v) / secondCorrectionRoot + epsilon);
    }
}
