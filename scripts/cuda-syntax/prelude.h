// Declarations that stand in for the CUDA headers, so that clang can check the kernels' syntax and
// types on machines without CUDA (scripts/check-kernels). Only what the kernels use is declared.
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __host__ __attribute__((host))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
#define CUDA_VERSION 12000
typedef unsigned long size_t;
#define INT_MAX 2147483647
#define HUGE_VAL __builtin_huge_val()
#define HUGE_VALF __builtin_huge_valf()
#define INT_MIN (-INT_MAX-1)
#include "__clang_cuda_builtin_vars.h"
#include "__clang_cuda_libdevice_declares.h"
#include "__clang_cuda_device_functions.h"
#include "__clang_cuda_math.h"
__device__ bool isfinite(float value);
__device__ bool isfinite(double value);
__device__ float __shfl_xor_sync(unsigned mask, float value, int laneMask, int width = 32);
__device__ int __shfl_xor_sync(unsigned mask, int value, int laneMask, int width = 32);
__device__ unsigned __shfl_xor_sync(unsigned mask, unsigned value, int laneMask, int width = 32);
__device__ float __shfl_sync(unsigned mask, float value, int lane, int width = 32);
__device__ int __shfl_sync(unsigned mask, int value, int lane, int width = 32);
__device__ unsigned __shfl_sync(unsigned mask, unsigned value, int lane, int width = 32);
__device__ unsigned long long __shfl_sync(unsigned mask, unsigned long long value, int lane, int width = 32);
__device__ float atomicAdd(float *address, float value);
__device__ double atomicAdd(double *address, double value);
__device__ int atomicAdd(int *address, int value);
__device__ unsigned atomicAdd(unsigned *address, unsigned value);
__device__ unsigned long long atomicAdd(unsigned long long *address, unsigned long long value);
__device__ unsigned atomicOr(unsigned *address, unsigned value);
__device__ int atomicMax(int *address, int value);
__device__ unsigned atomicMax(unsigned *address, unsigned value);
__device__ int atomicCAS(int *address, int compare, int value);
__device__ unsigned atomicCAS(unsigned *address, unsigned compare, unsigned value);
__device__ unsigned short atomicCAS(unsigned short *address, unsigned short compare, unsigned short value);
__device__ unsigned long long atomicCAS(unsigned long long *address, unsigned long long compare, unsigned long long value);
__device__ unsigned __ballot_sync(unsigned mask, int predicate);
__device__ int __any_sync(unsigned mask, int predicate);
__device__ int __ffs(unsigned value);
__device__ int __ldcs(const int *address);
__device__ double __shfl_xor_sync(unsigned mask, double value, int laneMask, int width = 32);
__device__ long long __shfl_xor_sync(unsigned mask, long long value, int laneMask, int width = 32);
struct __align__(16) float4 { float x, y, z, w; };
struct __align__(8) float2 { float x, y; };
struct __align__(16) int4 { int x, y, z, w; };
struct __align__(16) uint4 { unsigned x, y, z, w; };
struct __align__(8) uint2 { unsigned x, y; };
__device__ unsigned long long __shfl_xor_sync(unsigned mask, unsigned long long value, int laneMask, int width = 32);
__device__ inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
__device__ inline float2 make_float2(float x, float y) { return float2{x, y}; }
__device__ inline uint2 make_uint2(unsigned x, unsigned y) { return uint2{x, y}; }
__device__ inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return uint4{x, y, z, w}; }
