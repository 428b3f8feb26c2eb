// The two evaluation loops the API is made of, above Context::decode: one generation
// step for each sequence of a batch (decode, then each sampler takes its input and
// draws from its row), and scoring a text a batch at a time (every row's logits,
// kept only long enough to take the next token's log-probability). Run on a worker.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "context.h"
#include "sampler.h"
#include "token.h"

namespace fathom {

// What one batch entry wants besides its logits.
struct StepRequest {
    std::shared_ptr<Sampler> sampler;  // null: no token is drawn (token stays NO_TOKEN)
    size_t top_k = 0;                  // also the top_k most likely next tokens
    std::vector<Token> accept;         // added to the sampler's history before it samples
};

// What one batch entry's step produced.
struct StepResult {
    Token token = NO_TOKEN;
    float logprob = 0.0f;  // of `token` under the model's distribution (before sampling filters)
    TopTokens top;
};

// Decodes `batch` (distinct sequences) in one pass; requests[i] belongs to batch[i].
// Throws as Context::decode.
std::vector<StepResult> decode_and_sample(Context & ctx, const std::vector<SequenceInput> & batch, const std::vector<StepRequest> & requests,
                                          const std::atomic<bool> * abort, const ControlVector * control);

struct Scores {
    std::vector<float> logprobs;      // [n - 1]: log P(tokens[i + 1] | tokens[0..i])
    std::vector<int32_t> top_ids;     // [(n - 1) * top_k]
    std::vector<float> top_logprobs;  // [(n - 1) * top_k]
};

// Evaluates tokens[0..n-2] on sequence `seq` from position 0 (it is emptied first: every
// position needs its logits), a batch at a time. A failure leaves the sequence empty.
// Throws as Context::decode, and INVALID_ARGUMENT for fewer than 2 tokens.
Scores score_tokens(Context & ctx, uint32_t seq, const std::vector<Token> & tokens, size_t top_k, const std::atomic<bool> * abort,
                    const ControlVector * control);

}  // namespace fathom
