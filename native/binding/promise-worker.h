// Runs one piece of engine work on a libuv worker thread and settles a promise.
// The work lambda sees only plain C++ values copied before it starts (never JS
// values); fathom::Error becomes a typed FathomError with the same code.
#pragma once

#include <napi.h>

#include <functional>
#include <new>
#include <string>

#include "error.h"
#include "errors.h"

namespace fathom_binding {

template <typename Result>
class PromiseWorker : public Napi::AsyncWorker {
public:
    using Work = std::function<Result()>;
    using Resolve = std::function<Napi::Value(Napi::Env, Result &)>;

    static Napi::Promise run(Napi::Env env, const char * name, Work work, Resolve resolve) {
        auto * worker = new PromiseWorker(env, name, std::move(work), std::move(resolve));
        Napi::Promise promise = worker->deferred_.Promise();
        worker->Queue();
        return promise;
    }

protected:
    void Execute() override {
        try {
            result_ = work_();
        } catch (const fathom::Error & e) {
            code_ = e.code();
            SetError(e.what());
        } catch (const std::bad_alloc &) {
            code_ = fathom::codes::OUT_OF_MEMORY;
            SetError("out of memory");
        } catch (const std::exception & e) {
            code_ = "INTERNAL";
            SetError(e.what());
        }
    }
    void OnOK() override {
        Napi::HandleScope scope(Env());
        try {
            deferred_.Resolve(resolve_(Env(), result_));
        } catch (const Napi::Error & e) {
            deferred_.Reject(e.Value());
        }
    }
    void OnError(const Napi::Error & e) override {
        Napi::HandleScope scope(Env());
        deferred_.Reject(make_error(Env(), code_, e.Message()).Value());
    }

private:
    PromiseWorker(Napi::Env env, const char * name, Work work, Resolve resolve)
        : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)), resolve_(std::move(resolve)) {}

    Napi::Promise::Deferred deferred_;
    Work work_;
    Resolve resolve_;
    Result result_{};
    std::string code_;
};

}  // namespace fathom_binding
