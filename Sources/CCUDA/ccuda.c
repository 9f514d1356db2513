#include "ccuda.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/// One function pointer field and the exported symbol that fills it.
typedef struct {
    void **slot;
    const char *symbol;
} binding;

/// Opens the first loadable candidate, resolves `bindings` in it, and reports failures.
static int load(const char *const *candidates, int candidateCount, const binding *bindings, int bindingCount,
                char *message, size_t capacity) {
    void *handle = NULL;
    const char *opened = NULL;
    const char *firstError = NULL;
    char firstErrorCopy[256] = {0};
    for (int i = 0; i < candidateCount && handle == NULL; i++) {
        handle = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
        if (handle != NULL) {
            opened = candidates[i];
        } else if (firstError == NULL) {
            const char *error = dlerror();
            snprintf(firstErrorCopy, sizeof firstErrorCopy, "%s", error != NULL ? error : "unknown error");
            firstError = firstErrorCopy;
        }
    }
    if (handle == NULL) {
        snprintf(message, capacity, "%s", firstError != NULL ? firstError : "no library names to try");
        return -1;
    }
    for (int i = 0; i < bindingCount; i++) {
        void *symbol = dlsym(handle, bindings[i].symbol);
        if (symbol == NULL) {
            snprintf(message, capacity, "%s has no symbol %s", opened, bindings[i].symbol);
            dlclose(handle);
            return -1;
        }
        memcpy(bindings[i].slot, &symbol, sizeof symbol);
    }
    return 0;
}

#define BIND(api, field, symbol) {(void **)&(api)->field, symbol}

int ccuda_load_driver(const char *const *candidates, int candidateCount, ccuda_driver_api *api,
                      char *message, size_t messageCapacity) {
    const binding bindings[] = {
        BIND(api, cuInit, "cuInit"),
        BIND(api, cuDriverGetVersion, "cuDriverGetVersion"),
        BIND(api, cuDeviceGetCount, "cuDeviceGetCount"),
        BIND(api, cuDeviceGet, "cuDeviceGet"),
        BIND(api, cuDeviceGetName, "cuDeviceGetName"),
        BIND(api, cuDeviceGetAttribute, "cuDeviceGetAttribute"),
        BIND(api, cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain"),
        BIND(api, cuCtxSetCurrent, "cuCtxSetCurrent"),
        BIND(api, cuStreamCreate, "cuStreamCreate"),
        BIND(api, cuStreamSynchronize, "cuStreamSynchronize"),
        BIND(api, cuMemAlloc, "cuMemAlloc_v2"),
        BIND(api, cuMemFree, "cuMemFree_v2"),
        BIND(api, cuMemAllocHost, "cuMemAllocHost_v2"),
        BIND(api, cuMemFreeHost, "cuMemFreeHost"),
        BIND(api, cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2"),
        BIND(api, cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2"),
        BIND(api, cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2"),
        BIND(api, cuMemsetD32Async, "cuMemsetD32Async"),
        BIND(api, cuModuleLoadData, "cuModuleLoadData"),
        BIND(api, cuModuleGetFunction, "cuModuleGetFunction"),
        BIND(api, cuLaunchKernel, "cuLaunchKernel"),
        BIND(api, cuGetErrorName, "cuGetErrorName"),
        BIND(api, cuGetErrorString, "cuGetErrorString"),
        BIND(api, cuMemGetInfo, "cuMemGetInfo_v2"),
        BIND(api, cuFuncSetAttribute, "cuFuncSetAttribute"),
        BIND(api, cuEventCreate, "cuEventCreate"),
        BIND(api, cuEventRecord, "cuEventRecord"),
        BIND(api, cuEventSynchronize, "cuEventSynchronize"),
        BIND(api, cuEventDestroy, "cuEventDestroy_v2"),
        BIND(api, cuStreamWaitEvent, "cuStreamWaitEvent"),
    };
    return load(candidates, candidateCount, bindings, sizeof bindings / sizeof bindings[0], message,
                messageCapacity);
}

int ccuda_load_nvrtc(const char *const *candidates, int candidateCount, ccuda_nvrtc_api *api,
                     char *message, size_t messageCapacity) {
    const binding bindings[] = {
        BIND(api, nvrtcVersion, "nvrtcVersion"),
        BIND(api, nvrtcCreateProgram, "nvrtcCreateProgram"),
        BIND(api, nvrtcCompileProgram, "nvrtcCompileProgram"),
        BIND(api, nvrtcGetProgramLogSize, "nvrtcGetProgramLogSize"),
        BIND(api, nvrtcGetProgramLog, "nvrtcGetProgramLog"),
        BIND(api, nvrtcGetCUBINSize, "nvrtcGetCUBINSize"),
        BIND(api, nvrtcGetCUBIN, "nvrtcGetCUBIN"),
        BIND(api, nvrtcDestroyProgram, "nvrtcDestroyProgram"),
        BIND(api, nvrtcGetErrorString, "nvrtcGetErrorString"),
    };
    return load(candidates, candidateCount, bindings, sizeof bindings / sizeof bindings[0], message,
                messageCapacity);
}

int ccuda_load_cublaslt(const char *const *candidates, int candidateCount, ccuda_cublaslt_api *api,
                        char *message, size_t messageCapacity) {
    const binding bindings[] = {
        BIND(api, cublasLtCreate, "cublasLtCreate"),
        BIND(api, cublasLtMatmulDescCreate, "cublasLtMatmulDescCreate"),
        BIND(api, cublasLtMatmulDescDestroy, "cublasLtMatmulDescDestroy"),
        BIND(api, cublasLtMatmulDescSetAttribute, "cublasLtMatmulDescSetAttribute"),
        BIND(api, cublasLtMatrixLayoutCreate, "cublasLtMatrixLayoutCreate"),
        BIND(api, cublasLtMatrixLayoutDestroy, "cublasLtMatrixLayoutDestroy"),
        BIND(api, cublasLtMatrixLayoutSetAttribute, "cublasLtMatrixLayoutSetAttribute"),
        BIND(api, cublasLtMatmulPreferenceCreate, "cublasLtMatmulPreferenceCreate"),
        BIND(api, cublasLtMatmulPreferenceDestroy, "cublasLtMatmulPreferenceDestroy"),
        BIND(api, cublasLtMatmulPreferenceSetAttribute, "cublasLtMatmulPreferenceSetAttribute"),
        BIND(api, cublasLtMatmulAlgoGetHeuristic, "cublasLtMatmulAlgoGetHeuristic"),
        BIND(api, cublasLtMatmul, "cublasLtMatmul"),
    };
    return load(candidates, candidateCount, bindings, sizeof bindings / sizeof bindings[0], message,
                messageCapacity);
}

int ccuda_load_nccl(const char *const *candidates, int candidateCount, ccuda_nccl_api *api,
                    char *message, size_t messageCapacity) {
    const binding bindings[] = {
        BIND(api, ncclGetVersion, "ncclGetVersion"),
        BIND(api, ncclGetUniqueId, "ncclGetUniqueId"),
        BIND(api, ncclCommInitRank, "ncclCommInitRank"),
        BIND(api, ncclCommDestroy, "ncclCommDestroy"),
        BIND(api, ncclAllReduce, "ncclAllReduce"),
        BIND(api, ncclBroadcast, "ncclBroadcast"),
        BIND(api, ncclGroupStart, "ncclGroupStart"),
        BIND(api, ncclGroupEnd, "ncclGroupEnd"),
        BIND(api, ncclGetErrorString, "ncclGetErrorString"),
    };
    return load(candidates, candidateCount, bindings, sizeof bindings / sizeof bindings[0], message,
                messageCapacity);
}

int ccuda_nccl_comm_init_rank(const ccuda_nccl_api *api, void **communicator, int rankCount,
                              const unsigned char *uniqueIdBytes, int rank) {
    ccuda_nccl_unique_id id;
    memcpy(id.internal, uniqueIdBytes, sizeof id.internal);
    return api->ncclCommInitRank(communicator, rankCount, id, rank);
}
