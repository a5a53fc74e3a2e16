// addon-session.h — the native side of a NativeSession and of one eval, shared by
// addon-session.cpp (the class), addon-session-args.cpp (argument parsing, result objects) and
// addon-model-testing.cpp (evalTensors).
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>
#include <vector>

#include "addon-model.h"
#include "ifl-context.h"
#include "ifl-sampling.h"

namespace ifl_addon {

// Retrieval records of one eval as structure-of-arrays (NativeRetrievalTrace).
struct trace_data {
    std::vector<int32_t> layer, q_len, n_blocks;
    std::vector<double>  q_start;
    std::vector<uint8_t> scored;
    std::vector<int32_t> sel_offsets{0};  // entries + 1
    std::vector<int32_t> selected;
    std::vector<float>   scores;          // aligned with selected; NaN where unscored
    std::vector<double>  init_len, tail_len;  // per entry: global init tokens and remainder tail
};

class trace_sink final : public ifl::retrieval_sink {
public:
    void on_retrieval(const ifl::retrieval_record & r) override;
    trace_data data;
};

// Everything a session owns. Touched by at most one eval worker at a time (busy); the JS thread
// only reads n_past and busy while an eval runs.
struct session_core {
    std::shared_ptr<model_state>  ms;
    std::unique_ptr<ifl::context> ctx;
    std::vector<int32_t>          history;  // every committed token, oldest first (penalties)
    ifl::sampler                  sampler;
    std::atomic<bool>             busy{false};
    std::atomic<int64_t>          n_past{0};
};

// Parsed on the JS thread, consumed by the worker.
struct eval_args {
    std::vector<int32_t> tokens;
    std::vector<int64_t> rows;          // logits rows to return, in order
    bool                 want_logits = true;  // false for logits: 'none' 
    bool                 sample = false;
    ifl::sampling_params sampling;
    bool                 trace = false;
};

struct eval_output {
    std::vector<float> logits;   // [rows.size() (+1 when the sampled row was added), n_vocab]
    int64_t            n_rows = 0;  // rows returned to JS (the first n_rows of logits)
    bool               want_logits = true;
    int32_t            token = -1;
    bool               has_token = false;
    bool               has_trace = false;
    trace_data         trace;
    double             ms = 0;
};

// NativeSamplingParams (seed absent: a fresh random seed).
ifl::sampling_params parse_sampling(const Napi::Value & v);
// eval(tokens, options) arguments at info[i_tokens], info[i_tokens + 1] (TypeError on misuse).
eval_args parse_eval_args(const Napi::CallbackInfo & info, size_t i_tokens);
Napi::Object eval_output_to_js(Napi::Env env, eval_output & out, int64_t n_vocab);
// NativeSessionOptions -> a new attention memory for the model.
std::unique_ptr<ifl::attn_memory> memory_from_options(const Napi::Value & options, const ifl::model & m);

// The core of a NativeSession argument; DISPOSED when disposed.
session_core & session_core_of(Napi::Env env, const Napi::Value & session);

// BUSY message of session jobs other than eval (save, verify, the benchmark fill).
constexpr const char * k_session_job_busy = "an eval or save of this session is running";

// Runs exec on a worker while the session is marked busy (BUSY with busy_message when it already
// is), keeping `session` alive; busy is cleared on the JS thread when the promise settles, so
// from JS the session is busy exactly until then. done builds the resolved value.
Napi::Promise start_session_job(Napi::Env env, const Napi::Object & session, session_core & core, const char * name,
                                const char * busy_message, promise_worker::exec_fn exec, promise_worker::done_fn done);

// Starts an eval worker (start_session_job; after_exec runs on the worker after the eval, even
// when it threw). Every failure, BUSY and DISPOSED included, rejects the returned promise.
Napi::Promise start_eval(Napi::Env env, const Napi::Object & session, session_core & core, eval_args args,
                         std::shared_ptr<abort_flag> abort, std::shared_ptr<ifl::tensor_callback> on_tensor,
                         std::function<void()> after_exec = {});

// Runs one eval on the calling (worker) thread.
void run_eval(session_core & s, const eval_args & a, eval_output & out, const abort_flag * abort,
              const ifl::tensor_callback * on_tensor);

} // namespace ifl_addon
