// ifl-infllm-settings.cpp — validation of InfLLM settings and block ranges.
#include "infllm/ifl-infllm-settings.h"

#include "ifl-error.h"

namespace ifl {

void infllm_validate(const infllm_settings & s) {
    auto bad = [](const char * field, const char * rule, long long got) {
        throw_error(status::invalid_argument, "infllm setting %s must be %s (got %lld)", field, rule, got);
    };
    auto bad_rel = [](const char * field, long long got, const char * rule, const char * other, long long other_v) {
        throw_error(status::invalid_argument, "infllm setting %s (%lld) must be %s %s (%lld)", field, got, rule, other,
                    other_v);
    };
    // Upper bounds only keep allocations and int32 arithmetic sane.
    constexpr int32_t k_max = 1 << 24;
    if (s.n_init < 0 || s.n_init > k_max) bad("n_init", "in [0, 16777216]", s.n_init);
    if (s.n_local < 1 || s.n_local > k_max) bad("n_local", "in [1, 16777216]", s.n_local);
    if (s.block_size < 1 || s.block_size > k_max) bad("block_size", "in [1, 16777216]", s.block_size);
    if (s.topk < 0) bad("topk", ">= 0", s.topk);
    if (s.repr_topk < 1) bad("repr_topk", ">= 1", s.repr_topk);
    if (s.repr_topk > s.block_size) bad_rel("repr_topk", s.repr_topk, "<=", "block_size", s.block_size);
    if (s.chunk < 1) bad("chunk", ">= 1", s.chunk);
    if (s.chunk > s.n_local) bad_rel("chunk", s.chunk, "<=", "n_local", s.n_local);
    if (s.cache < s.topk) bad_rel("cache", s.cache, ">=", "topk", s.topk);
}

token_range infllm_block_range(const infllm_settings & s, int64_t block) {
    token_range r;
    r.begin = (int64_t)s.n_init + block * s.block_size;
    r.end = r.begin + s.block_size;
    return r;
}

} // namespace ifl
