// ifl-cuda.h — what the core knows about the CUDA backend. Implemented by cuda/ifl-cuda-device.cu
// when the addon was built with nvcc, and by cuda/ifl-cuda-none.cpp otherwise.
#pragma once

#include <string>

namespace ifl {

struct cuda_info {
    bool        compiled = false;  // the CUDA backend was built into this binary
    int         device_count = 0;  // usable devices (0 without a GPU or driver)
    std::string status;            // "ok" or why no device is usable (e.g. "insufficient driver")
    std::string device_name;       // name of device 0, if any
};

// Never throws; safe to call on machines without a GPU or driver (static CUDA runtime).
cuda_info cuda_get_info();

} // namespace ifl
