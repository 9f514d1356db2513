// The CUDA entry points Recut uses, resolved at run time with dlopen/dlsym.
//
// No CUDA header is needed to build: the typedefs below mirror only what Recut calls,
// so the package builds and tests on machines without CUDA. Handles are opaque pointers,
// device addresses are 64-bit integers, results are plain ints (CUresult, nvrtcResult,
// cublasStatus_t).
#ifndef CCUDA_H
#define CCUDA_H

#include <stddef.h>
#include <stdint.h>

/// A device address (CUdeviceptr).
typedef unsigned long long ccuda_device_pointer;

/// The driver API functions (libcuda.so.1); the _v2 entry points where CUDA has them.
typedef struct {
    int (*cuInit)(unsigned int flags);
    int (*cuDriverGetVersion)(int *version);
    int (*cuDeviceGetCount)(int *count);
    int (*cuDeviceGet)(int *device, int ordinal);
    int (*cuDeviceGetName)(char *name, int length, int device);
    int (*cuDeviceGetAttribute)(int *value, int attribute, int device);
    int (*cuDevicePrimaryCtxRetain)(void **context, int device);
    int (*cuCtxSetCurrent)(void *context);
    int (*cuStreamCreate)(void **stream, unsigned int flags);
    int (*cuStreamSynchronize)(void *stream);
    int (*cuMemAlloc)(ccuda_device_pointer *pointer, size_t bytes);
    int (*cuMemFree)(ccuda_device_pointer pointer);
    int (*cuMemAllocHost)(void **pointer, size_t bytes);
    int (*cuMemFreeHost)(void *pointer);
    int (*cuMemcpyHtoDAsync)(ccuda_device_pointer destination, const void *source, size_t bytes, void *stream);
    int (*cuMemcpyDtoHAsync)(void *destination, ccuda_device_pointer source, size_t bytes, void *stream);
    int (*cuMemcpyDtoDAsync)(ccuda_device_pointer destination, ccuda_device_pointer source, size_t bytes,
                             void *stream);
    int (*cuMemsetD32Async)(ccuda_device_pointer destination, unsigned int value, size_t count, void *stream);
    int (*cuModuleLoadData)(void **module, const void *image);
    int (*cuModuleGetFunction)(void **function, void *module, const char *name);
    int (*cuLaunchKernel)(void *function, unsigned int gridX, unsigned int gridY, unsigned int gridZ,
                          unsigned int blockX, unsigned int blockY, unsigned int blockZ,
                          unsigned int sharedBytes, void *stream, void **parameters, void **extra);
    int (*cuGetErrorName)(int result, const char **name);
    int (*cuGetErrorString)(int result, const char **text);
    int (*cuMemGetInfo)(size_t *free, size_t *total);
    int (*cuFuncSetAttribute)(void *function, int attribute, int value);
    int (*cuEventCreate)(void **event, unsigned int flags);
    int (*cuEventRecord)(void *event, void *stream);
    int (*cuEventSynchronize)(void *event);
    int (*cuEventDestroy)(void *event);
    int (*cuStreamWaitEvent)(void *stream, void *event, unsigned int flags);
} ccuda_driver_api;

/// The run-time compiler functions (libnvrtc).
typedef struct {
    int (*nvrtcVersion)(int *major, int *minor);
    int (*nvrtcCreateProgram)(void **program, const char *source, const char *name, int headerCount,
                              const char *const *headers, const char *const *headerNames);
    int (*nvrtcCompileProgram)(void *program, int optionCount, const char *const *options);
    int (*nvrtcGetProgramLogSize)(void *program, size_t *size);
    int (*nvrtcGetProgramLog)(void *program, char *log);
    int (*nvrtcGetCUBINSize)(void *program, size_t *size);
    int (*nvrtcGetCUBIN)(void *program, char *cubin);
    int (*nvrtcDestroyProgram)(void **program);
    const char *(*nvrtcGetErrorString)(int result);
} ccuda_nvrtc_api;

/// The matrix-product functions (libcublasLt).
typedef struct {
    int (*cublasLtCreate)(void **handle);
    int (*cublasLtMatmulDescCreate)(void **description, int computeType, int scaleType);
    int (*cublasLtMatmulDescDestroy)(void *description);
    int (*cublasLtMatmulDescSetAttribute)(void *description, int attribute, const void *value, size_t size);
    int (*cublasLtMatrixLayoutCreate)(void **layout, int type, uint64_t rows, uint64_t columns, int64_t leading);
    int (*cublasLtMatrixLayoutDestroy)(void *layout);
    int (*cublasLtMatrixLayoutSetAttribute)(void *layout, int attribute, const void *value, size_t size);
    int (*cublasLtMatmulPreferenceCreate)(void **preference);
    int (*cublasLtMatmulPreferenceDestroy)(void *preference);
    int (*cublasLtMatmulPreferenceSetAttribute)(void *preference, int attribute, const void *value, size_t size);
    int (*cublasLtMatmulAlgoGetHeuristic)(void *handle, void *description, void *a, void *b, void *c, void *d,
                                          void *preference, int requestedCount, void *results, int *returnedCount);
    int (*cublasLtMatmul)(void *handle, void *description, const void *alpha, const void *a, void *aLayout,
                          const void *b, void *bLayout, const void *beta, const void *c, void *cLayout,
                          void *d, void *dLayout, const void *algorithm, void *workspace, size_t workspaceBytes,
                          void *stream);
} ccuda_cublaslt_api;

/// cublasLtMatmulHeuristicResult_t: the chosen algorithm and its workspace need.
typedef struct {
    uint64_t algorithm[8];
    size_t workspaceBytes;
    int state;
    float wavesCount;
    int reserved[4];
} ccuda_matmul_heuristic;

/// ncclUniqueId: the opaque 128 bytes that rank 0 creates and every rank passes to ncclCommInitRank.
typedef struct {
    char internal[128];
} ccuda_nccl_unique_id;

/// The collective-communication functions (libnccl.so.2). Buffers are device addresses passed as
/// pointers; communicators and streams are opaque; data types and reduction operators are the
/// ints of ncclDataType_t and ncclRedOp_t.
typedef struct {
    int (*ncclGetVersion)(int *version);
    int (*ncclGetUniqueId)(ccuda_nccl_unique_id *id);
    int (*ncclCommInitRank)(void **communicator, int rankCount, ccuda_nccl_unique_id id, int rank);
    int (*ncclCommDestroy)(void *communicator);
    int (*ncclAllReduce)(const void *send, void *receive, size_t count, int dataType, int operation,
                         void *communicator, void *stream);
    int (*ncclBroadcast)(const void *send, void *receive, size_t count, int dataType, int root,
                         void *communicator, void *stream);
    int (*ncclGroupStart)(void);
    int (*ncclGroupEnd)(void);
    const char *(*ncclGetErrorString)(int result);
} ccuda_nccl_api;

/// Calls ncclCommInitRank with the unique id given as 128 bytes (Swift cannot pass the struct by value easily).
int ccuda_nccl_comm_init_rank(const ccuda_nccl_api *api, void **communicator, int rankCount,
                              const unsigned char *uniqueIdBytes, int rank);

/// Opens the first library of `candidates` that loads and resolves every driver function.
/// Returns 0 on success; otherwise writes what failed into `message` and returns -1.
int ccuda_load_driver(const char *const *candidates, int candidateCount, ccuda_driver_api *api,
                      char *message, size_t messageCapacity);

/// Opens the first NVRTC library of `candidates` and resolves its functions (see ccuda_load_driver).
int ccuda_load_nvrtc(const char *const *candidates, int candidateCount, ccuda_nvrtc_api *api,
                     char *message, size_t messageCapacity);

/// Opens the first cuBLASLt library of `candidates` and resolves its functions (see ccuda_load_driver).
int ccuda_load_cublaslt(const char *const *candidates, int candidateCount, ccuda_cublaslt_api *api,
                        char *message, size_t messageCapacity);

/// Opens the first NCCL library of `candidates` and resolves its functions (see ccuda_load_driver).
int ccuda_load_nccl(const char *const *candidates, int candidateCount, ccuda_nccl_api *api,
                    char *message, size_t messageCapacity);

#endif
