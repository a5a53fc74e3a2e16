// ifl-sampling.h — next-token sampling from one row of logits (llama.cpp semantics and order).
//
// Pipeline (each stage on the candidates the previous one kept):
//   1. penalties over the last penalty_last_n history tokens (llama_sampler_penalties): for a
//      token seen c > 0 times, logit = logit <= 0 ? logit * repeat : logit / repeat (float32),
//      then logit = float(double(logit) - (c * frequency + presence));
//   2. temperature <= 0: greedy, the argmax (ties -> lowest id, NaN ignored); stop here;
//   "sorted order" below is logit descending, ties by id ascending (NaN counts as -inf);
//   3. top_k (0 < k < n_vocab): keep the first k in sorted order;
//   4. top_p (< 1): with l0 the largest kept logit, e_i = exp(l_i - l0) and S = sum of e_i over
//      the kept candidates in ascending id order (double), keep the shortest sorted-order prefix
//      whose running sum of e_i / S is >= top_p;
//   5. min_p (> 0): keep logit >= l0 + ln(min_p) (double comparison; at least one);
//   6. temperature: logit / temperature (float32);
//   7. draw: with the kept candidates in ascending id order, e_i = exp(l_i - l_max) and
//      S = sum e_i (double), take the first whose running sum of e_i exceeds u * S (else the last).
// Stages 4 and 5 keep prefixes of the same sorted order, so their relative order does not matter.
// RNG: counter-based and stateless: u = (splitmix64(splitmix64(seed) ^ stream) >> 11) * 2^-53,
// where `stream` is the absolute position of the token being sampled; so the same seed, logits,
// history and position always give the same token, in any session and after fork().
#pragma once

#include <cstdint>
#include <vector>

namespace ifl {

struct sampling_params {
    float    temperature       = 0.0f;  // <= 0: greedy
    int32_t  top_k             = 0;     // 0: off
    float    top_p             = 1.0f;  // >= 1: off
    float    min_p             = 0.0f;  // <= 0: off
    float    repeat_penalty    = 1.0f;  // 1: off
    float    presence_penalty  = 0.0f;  // 0: off
    float    frequency_penalty = 0.0f;  // 0: off
    int32_t  penalty_last_n    = 64;    // history tokens the penalties look at; -1: all, 0: none
    uint64_t seed              = 0;
};

// Throws invalid_argument naming a parameter out of range (negative top_k, top_p outside (0, 1],
// min_p outside [0, 1], non-finite values, repeat_penalty <= 0, penalty_last_n < -1).
void sampling_validate(const sampling_params & p);

// splitmix64 finaliser (exposed for the tests' reference implementation).
uint64_t splitmix64(uint64_t x);
// The uniform number in [0, 1) used to sample the token at `stream` (see above).
double sampling_uniform(uint64_t seed, uint64_t stream);

class sampler {
public:
    struct candidate {
        int32_t id;
        float   logit;
    };

    // logits: [n_vocab] (not modified); history: [n_history] tokens seen so far, oldest first.
    int32_t sample(const sampling_params & p, const float * logits, int64_t n_vocab, const int32_t * history,
                   int64_t n_history, uint64_t stream);

    // After sample() with temperature > 0: the final candidates (ascending id) and their
    // probabilities e_i / S (for tests); empty after a greedy sample.
    const std::vector<candidate> & candidates() const { return cands_; }
    const std::vector<double> &    probs() const { return probs_; }

private:
    void apply_penalties(const sampling_params & p, int64_t n_vocab, const int32_t * history, int64_t n_history);
    void ensure_sorted(int64_t k);            // cands_[0, k) are the top k in sorted order
    int64_t top_p_count(float top_p, int64_t m, int64_t n_vocab);
    int32_t draw(int64_t m, float temperature, double u);

    std::vector<int32_t>   window_;  // sorted copy of the penalty window
    std::vector<candidate> cands_;   // [n_vocab] every id with its (penalised) logit, filled in id
                                     // order; during filtering the first sorted_ are in sorted order
    int64_t                sorted_ = 0;
    std::vector<double>    probs_;
};

} // namespace ifl
