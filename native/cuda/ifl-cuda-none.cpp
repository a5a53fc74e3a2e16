// ifl-cuda-none.cpp — CUDA backend stub for builds without nvcc (or INFLLM_CUDA=0).
#include "ifl-cuda.h"

namespace ifl {

cuda_info cuda_get_info() {
    cuda_info info;
    info.compiled = false;
    info.status = "not compiled (built without nvcc or with INFLLM_CUDA=0)";
    return info;
}

} // namespace ifl
