// ifl-cuda-device.cu — device discovery for the CUDA backend.
// Linked against the static CUDA runtime: on a machine with no driver cudaGetDeviceCount returns
// cudaErrorInsufficientDriver instead of failing to load, so the addon loads everywhere.
#include "ifl-cuda.h"

#include <cuda_runtime.h>

namespace ifl {

cuda_info cuda_get_info() {
    cuda_info info;
    info.compiled = true;
    int n = 0;
    const cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
        info.status = cudaGetErrorString(err);
        cudaGetLastError();  // clear the sticky error state
        return info;
    }
    info.device_count = n;
    info.status = "ok";
    if (n > 0) {
        cudaDeviceProp prop;
        if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) info.device_name = prop.name;
    }
    return info;
}

} // namespace ifl
