// ifl-infllm-save.h — saving an InfLLM memory to a folder (layout: ifl-infllm-manifest.h and
// ifl-infllm-open.h). Crash safety: everything is written into a temp folder next to the target
// (".<name>.saving-<random>"), each file fsynced, manifest.json last, the temp folder fsynced,
// then moved into place in one step: rename when the target does not exist, an atomic exchange
// of the two folders when it does (Linux renameat2; elsewhere rename old away + rename new in).
// So the target is always either the complete old memory or the complete new one, and a temp
// folder never looks like a memory (its name starts with '.'; without its manifest it is
// rejected). No GB copies: block segments of the disk tier and of an opened memory are sealed
// and hard-linked into the new folder (copied only across file systems).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "infllm/ifl-infllm-manifest.h"
#include "infllm/ifl-infllm-memory.h"

namespace ifl {

struct save_options {
    std::string engine_version;
    // Tests: called at "blocks" (segments written), "files" (all binaries written),
    // "manifest" (manifest written, before the folder is moved into place); may throw.
    std::function<void(const char * step)> hook;
};

struct save_result {
    std::string dir;
    int64_t     bytes = 0;         // total size of the memory's files
    int64_t     files = 0;
    int64_t     linked_files = 0;  // block segments hard-linked instead of written
    std::string settings_hash;
    int64_t     n_tokens = 0;
    int64_t     n_blocks = 0;
};

// Saves `mem` (committed state, no call in progress) with its token history tokens[n_tokens]
// (n_tokens == mem.n_past()) to `dir`, replacing a saved memory already there. A `dir` that
// exists and is neither empty nor a saved memory (no manifest.json) is refused
// (INVALID_ARGUMENT). IO_ERROR on file-system failures; the target is then unchanged.
save_result infllm_save(infllm_memory & mem, const memory_model_id & model, const int32_t * tokens, int64_t n_tokens,
                        const std::string & dir, const save_options & opt);

} // namespace ifl
