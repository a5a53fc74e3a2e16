// addon-abort.cpp — NativeAbort (engine/binding/ModelBinding.ts): a cancellation flag that JS sets
// with abort() and native work polls (between layers, while paging in weights, while waiting for
// the compute pool). The flag is shared_ptr-owned, so work keeps it even if the JS object is
// collected.
#include "addon-model.h"
#include "addon-wrap.h"

#include <chrono>

namespace ifl_addon {

namespace {

struct abort_init {
    std::shared_ptr<abort_flag> flag;
};

class abort_wrap : public Napi::ObjectWrap<abort_wrap> {
public:
    static const napi_type_tag k_tag;
    static const napi_type_tag k_init_tag;
    static constexpr const char * k_class = "NativeAbort";

    explicit abort_wrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<abort_wrap>(info) {
        flag_ = take_init<abort_init>(info, k_init_tag, k_class)->flag;
        info.This().As<Napi::Object>().TypeTag(&k_tag);
    }

    Napi::Value abort(const Napi::CallbackInfo & info) {
        flag_->aborted.store(true, std::memory_order_release);
        return info.Env().Undefined();
    }
    Napi::Value aborted(const Napi::CallbackInfo & info) {
        return Napi::Boolean::New(info.Env(), flag_->aborted.load(std::memory_order_acquire));
    }
    const std::shared_ptr<abort_flag> & flag() const { return flag_; }

private:
    std::shared_ptr<abort_flag> flag_;
};

const napi_type_tag abort_wrap::k_tag = {0x6a1f0c3e52b94d17ull, 0x8e2d4b7a19c05f31ull};
const napi_type_tag abort_wrap::k_init_tag = {0x6a1f0c3e52b94d17ull, 0x8e2d4b7a19c05f32ull};

} // namespace

std::unique_lock<std::timed_mutex> lock_compute(model_state & ms, const abort_flag * abort) {
    std::unique_lock<std::timed_mutex> lock(ms.compute, std::defer_lock);
    while (!lock.try_lock_for(std::chrono::milliseconds(5)))
        if (abort && abort->aborted.load(std::memory_order_acquire))
            ifl::throw_error(ifl::status::cancelled, "cancelled while waiting for another eval of this model");
    return lock;
}

Napi::Function define_abort_class(Napi::Env env, model_area *) {
    return abort_wrap::DefineClass(env, abort_wrap::k_class,
                                   {tagged_method<abort_wrap, &abort_wrap::abort>("abort"),
                                    tagged_getter<abort_wrap, &abort_wrap::aborted>("aborted")});
}

Napi::Value create_abort(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        auto * area = static_cast<model_area *>(info.Data());
        abort_init init{std::make_shared<abort_flag>()};
        return area->abort_ctor.New({make_init(info.Env(), &init, abort_wrap::k_init_tag)});
    });
}

std::shared_ptr<abort_flag> abort_arg(const Napi::CallbackInfo & info, size_t i) {
    if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return nullptr;
    return unwrap_tagged<abort_wrap>(info.Env(), info[i], "abort")->flag();
}

} // namespace ifl_addon
