// See evaluate.h.
#include "evaluate.h"

#include <algorithm>

#include "error.h"

namespace fathom {

std::vector<StepResult> decode_and_sample(Context & ctx, const std::vector<SequenceInput> & batch, const std::vector<StepRequest> & requests,
                                          const std::atomic<bool> * abort, const ControlVector * control) {
    if (requests.size() != batch.size()) throw Error(codes::INVALID_ARGUMENT, "one step request is needed per batch entry");
    const BatchLogits & logits = ctx.decode(batch, abort, control);
    std::vector<StepResult> results(batch.size());
    for (size_t i = 0; i < batch.size(); i++) {
        const float * row = logits.row(logits.first_row[i]);
        const StepRequest & request = requests[i];
        if (request.sampler) {
            for (Token t : request.accept) request.sampler->accept(t);
            results[i].token = request.sampler->sample(row, logits.n_vocab);
        }
        const TokenLogprobs lp = token_logprobs(row, logits.n_vocab, request.top_k, results[i].token);
        results[i].logprob = lp.chosen;
        results[i].top = lp.top;
    }
    return results;
}

Scores score_tokens(Context & ctx, uint32_t seq, const std::vector<Token> & tokens, size_t top_k, const std::atomic<bool> * abort,
                    const ControlVector * control) {
    if (tokens.size() < 2) throw Error(codes::INVALID_ARGUMENT, "scoring needs at least 2 tokens");
    ctx.truncate(seq, 0);
    // A failure after the first batch must not leave that batch's tokens behind.
    struct EmptyOnFailure {
        Context & ctx;
        uint32_t seq;
        bool done = false;
        ~EmptyOnFailure() {
            if (!done) ctx.truncate(seq, 0);
        }
    } guard{ctx, seq};
    Scores scores;
    // A batch at a time, so all-row logits never need more than n_batch rows of memory.
    const size_t n = tokens.size(), step = ctx.n_batch();
    for (size_t offset = 0; offset + 1 < n; offset += step) {
        SequenceInput chunk{seq, std::vector<Token>(tokens.begin() + offset, tokens.begin() + std::min(n - 1, offset + step)), /*all_logits=*/true};
        const BatchLogits & logits = ctx.decode({chunk}, abort, control);
        for (size_t r = 0; r < chunk.tokens.size(); r++) {
            const TokenLogprobs lp = token_logprobs(logits.row(r), logits.n_vocab, top_k, tokens[offset + r + 1]);
            scores.logprobs.push_back(lp.chosen);
            scores.top_ids.insert(scores.top_ids.end(), lp.top.ids.begin(), lp.top.ids.end());
            scores.top_logprobs.insert(scores.top_logprobs.end(), lp.top.logprobs.begin(), lp.top.logprobs.end());
        }
    }
    guard.done = true;
    return scores;
}

}  // namespace fathom
