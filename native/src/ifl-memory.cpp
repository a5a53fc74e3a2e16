// ifl-memory.cpp — layout validation and call bookkeeping shared by the attention memories.
#include "ifl-memory.h"

#include "ifl-error.h"

namespace ifl {

constexpr int k_max_head_dim = 1024;

void validate_layout(const attn_layout & l) {
    if (l.n_layer < 1) throw_error(status::invalid_argument, "n_layer must be >= 1 (got %d)", l.n_layer);
    if (l.n_head < 1) throw_error(status::invalid_argument, "n_head must be >= 1 (got %d)", l.n_head);
    if (l.n_head_kv < 1 || l.n_head % l.n_head_kv != 0)
        throw_error(status::invalid_argument, "n_head_kv must divide n_head (n_head %d, n_head_kv %d)", l.n_head,
                    l.n_head_kv);
    if (l.head_dim < 1 || l.head_dim > k_max_head_dim)
        throw_error(status::invalid_argument, "head_dim must be in [1, %d] (got %d)", k_max_head_dim, l.head_dim);
    if (l.rope.n_dims < 0 || l.rope.n_dims % 2 != 0 || l.rope.n_dims > l.head_dim)
        throw_error(status::invalid_argument, "rope n_dims must be even and <= head_dim (got %d)", l.rope.n_dims);
    if (!(l.rope.freq_base > 0.0f)) throw_error(status::invalid_argument, "rope freq_base must be > 0");
    if (!l.rope.freq_factors.empty() && (int)l.rope.freq_factors.size() != l.rope.n_dims / 2)
        throw_error(status::invalid_argument, "rope freq_factors must have n_dims/2 values");
}

void call_tracker::begin(int64_t n_past, int64_t n_tokens, int n_layer) {
    if (active_) throw_error(status::invalid_argument, "begin_call: a call is already in progress");
    if (n_tokens < 1) throw_error(status::invalid_argument, "begin_call: n_tokens must be >= 1 (got %lld)", (long long)n_tokens);
    active_ = true;
    pos0_ = n_past;
    n_ = n_tokens;
    done_.assign((size_t)n_layer, 0);
}

void call_tracker::mark_attended(int il) {
    check_attend(il);
    done_[il] = 1;
}

void call_tracker::check_attend(int il) const {
    if (!active_) throw_error(status::invalid_argument, "attend: no call in progress (call begin_call first)");
    if (il < 0 || il >= (int)done_.size())
        throw_error(status::invalid_argument, "attend: layer %d out of range [0, %d)", il, (int)done_.size());
    if (done_[il]) throw_error(status::invalid_argument, "attend: layer %d already attended in this call", il);
}

void call_tracker::check_complete() const {
    if (!active_) throw_error(status::invalid_argument, "end_call: no call in progress");
    for (size_t il = 0; il < done_.size(); ++il)
        if (!done_[il]) throw_error(status::invalid_argument, "end_call: layer %d was not attended", (int)il);
}

} // namespace ifl
