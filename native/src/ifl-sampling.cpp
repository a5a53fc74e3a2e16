// ifl-sampling.cpp — penalties, greedy, top-k / top-p / min-p, temperature and the seeded draw
// (order and formulas in ifl-sampling.h).
#include "ifl-sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ifl-error.h"

namespace ifl {

namespace {

// Sorted order: logit descending, ties by id ascending (NaN was replaced by -inf at fill time).
bool before(const sampler::candidate & a, const sampler::candidate & b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

bool by_id(const sampler::candidate & a, const sampler::candidate & b) { return a.id < b.id; }

bool finite(float v) { return std::isfinite(v); }

} // namespace

uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

double sampling_uniform(uint64_t seed, uint64_t stream) {
    return (double)(splitmix64(splitmix64(seed) ^ stream) >> 11) * 0x1.0p-53;
}

void sampling_validate(const sampling_params & p) {
    auto bad = [](const char * name, double v, const char * want) {
        throw_error(status::invalid_argument, "sampling: %s = %g, expected %s", name, v, want);
    };
    if (!finite(p.temperature)) bad("temperature", p.temperature, "a finite number");
    if (p.top_k < 0) bad("topK", p.top_k, ">= 0");
    if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) bad("topP", p.top_p, "a number in (0, 1]");
    if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) bad("minP", p.min_p, "a number in [0, 1]");
    if (!(p.repeat_penalty > 0.0f) || !finite(p.repeat_penalty)) bad("repeatPenalty", p.repeat_penalty, "a finite number > 0");
    if (!finite(p.presence_penalty)) bad("presencePenalty", p.presence_penalty, "a finite number");
    if (!finite(p.frequency_penalty)) bad("frequencyPenalty", p.frequency_penalty, "a finite number");
    if (p.penalty_last_n < -1) bad("penaltyLastN", p.penalty_last_n, ">= -1");
}

void sampler::apply_penalties(const sampling_params & p, int64_t n_vocab, const int32_t * history, int64_t n_history) {
    if (p.penalty_last_n == 0 || n_history == 0) return;
    if (p.repeat_penalty == 1.0f && p.frequency_penalty == 0.0f && p.presence_penalty == 0.0f) return;
    const int64_t n = p.penalty_last_n < 0 ? n_history : std::min<int64_t>(p.penalty_last_n, n_history);
    window_.assign(history + (n_history - n), history + n_history);
    std::sort(window_.begin(), window_.end());
    for (size_t i = 0; i < window_.size();) {
        size_t j = i;
        while (j < window_.size() && window_[j] == window_[i]) ++j;
        const int32_t id = window_[i];
        const double count = (double)(j - i);
        i = j;
        if (id < 0 || id >= n_vocab) continue;
        float & l = cands_[(size_t)id].logit;
        l = l <= 0.0f ? l * p.repeat_penalty : l / p.repeat_penalty;
        l = (float)((double)l - (count * (double)p.frequency_penalty + (double)p.presence_penalty));
    }
}

void sampler::ensure_sorted(int64_t k) {
    const int64_t n = (int64_t)cands_.size();
    k = std::min(k, n);
    if (k <= sorted_) return;
    auto first = cands_.begin() + sorted_, mid = cands_.begin() + k;
    if (k < n) std::nth_element(first, mid, cands_.end(), before);
    std::sort(first, mid, before);
    sorted_ = k;
}

// Length of the shortest sorted prefix of the m kept candidates reaching cumulative top_p.
int64_t sampler::top_p_count(float top_p, int64_t m, int64_t n_vocab) {
    ensure_sorted(1);
    const double l0 = cands_[0].logit;
    if (!(l0 > -std::numeric_limits<double>::infinity())) return 1;
    // S in ascending id order (the kept set may be permuted): scatter e_i by id, then sum.
    probs_.assign((size_t)n_vocab, 0.0);
    for (int64_t i = 0; i < m; ++i) probs_[(size_t)cands_[(size_t)i].id] = std::exp((double)cands_[(size_t)i].logit - l0);
    double s = 0.0;
    for (int64_t id = 0; id < n_vocab; ++id) s += probs_[(size_t)id];
    double cum = 0.0;
    for (int64_t i = 0; i < m; ++i) {
        if (i >= sorted_) ensure_sorted(std::max<int64_t>(2 * sorted_, 64));
        cum += std::exp((double)cands_[(size_t)i].logit - l0) / s;
        if (cum >= (double)top_p) return i + 1;
    }
    return m;
}

int32_t sampler::draw(int64_t m, float temperature, double u) {
    cands_.resize((size_t)m);
    if (sorted_ > 0) std::sort(cands_.begin(), cands_.end(), by_id);
    float l_max = -std::numeric_limits<float>::infinity();
    for (candidate & c : cands_) {
        c.logit = c.logit / temperature;
        l_max = std::max(l_max, c.logit);
    }
    probs_.resize((size_t)m);
    double s = 0.0;
    for (int64_t i = 0; i < m; ++i) s += probs_[(size_t)i] = std::exp((double)cands_[(size_t)i].logit - (double)l_max);
    if (!(s > 0.0) || !std::isfinite(s)) {  // every kept logit is -inf: nothing to weigh
        probs_.assign((size_t)m, 1.0 / (double)m);
        return cands_[0].id;
    }
    const double target = u * s;
    double cum = 0.0;
    int32_t chosen = cands_[(size_t)m - 1].id;
    for (int64_t i = 0; i < m; ++i) {
        cum += probs_[(size_t)i];
        if (cum > target) {
            chosen = cands_[(size_t)i].id;
            break;
        }
    }
    for (double & pr : probs_) pr /= s;
    return chosen;
}

int32_t sampler::sample(const sampling_params & p, const float * logits, int64_t n_vocab, const int32_t * history,
                        int64_t n_history, uint64_t stream) {
    sampling_validate(p);
    if (n_vocab <= 0 || !logits) throw_error(status::invalid_argument, "sampling: empty logits");
    cands_.resize((size_t)n_vocab);
    for (int64_t i = 0; i < n_vocab; ++i)
        cands_[(size_t)i] = {(int32_t)i, std::isnan(logits[i]) ? -std::numeric_limits<float>::infinity() : logits[i]};
    sorted_ = 0;
    probs_.clear();
    apply_penalties(p, n_vocab, history, n_history);
    if (p.temperature <= 0.0f) {
        int32_t best = 0;
        for (int64_t i = 1; i < n_vocab; ++i)
            if (cands_[(size_t)i].logit > cands_[(size_t)best].logit) best = (int32_t)i;
        cands_.clear();
        return best;
    }
    int64_t m = n_vocab;
    if (p.top_k > 0 && p.top_k < m) {
        ensure_sorted(p.top_k);
        m = p.top_k;
        cands_.resize((size_t)m);
    }
    if (p.top_p < 1.0f) m = top_p_count(p.top_p, m, n_vocab);
    if (p.min_p > 0.0f) {
        ensure_sorted(1);
        const double thr = (double)cands_[0].logit + std::log((double)p.min_p);
        int64_t k = 0;
        for (int64_t i = 0; i < m; ++i) k += (double)cands_[(size_t)i].logit >= thr;
        m = std::max<int64_t>(1, k);
        ensure_sorted(m);
    }
    return draw(m, p.temperature, sampling_uniform(p.seed, stream));
}

} // namespace ifl
