// Runs one piece of engine work on a libuv worker thread and settles a promise.
// The work lambda sees only plain C++ values copied before it starts (never JS
// values); fathom::Error becomes a typed FathomError with the same code.
// When the work finishes after its JS environment has begun to shut down (a
// worker_threads Worker terminated mid-generation), there is no promise left to
// settle: any failure to call into JS then is dropped instead of ending the process.
#pragma once

#include <napi.h>

#include <functional>
#include <string>

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
        } catch (...) {
            error_ = current_error();
            failed_ = true;
        }
    }

    void OnWorkComplete(Napi::Env env, napi_status status) override {
        if (status != napi_cancelled) {
            try {
                Napi::HandleScope scope(env);
                settle(env);
            } catch (const Napi::Error &) {
                // JS can no longer run in this environment (it is shutting down): nobody awaits the promise.
            }
        }
        Destroy();
    }

private:
    void settle(Napi::Env env) {
        if (failed_) {
            deferred_.Reject(make_error(env, error_.code, error_.message).Value());
            return;
        }
        Napi::Value value;
        try {
            value = resolve_(env, result_);
        } catch (const Napi::Error & e) {
            deferred_.Reject(e.Value());
            return;
        }
        deferred_.Resolve(value);
    }

    PromiseWorker(Napi::Env env, const char * name, Work work, Resolve resolve)
        : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)), resolve_(std::move(resolve)) {}

    Napi::Promise::Deferred deferred_;
    Work work_;
    Resolve resolve_;
    Result result_{};
    bool failed_ = false;
    ErrorInfo error_;
};

}  // namespace fathom_binding
