// Picks the next token from logits: greedy, or temperature sampling after
// top-k, top-p and min-p filtering, with a seeded RNG so runs are reproducible.
// Works on the logits in native memory, on the decode worker thread.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "token.h"

namespace fathom {

struct SamplerParams {
    float temperature = 0.0f;  // <= 0: greedy
    int32_t top_k = 0;         // <= 0: off
    float top_p = 1.0f;        // >= 1: off
    float min_p = 0.0f;        // <= 0: off
    uint64_t seed = 0;
};

// Throws Error(INVALID_ARGUMENT) naming the option when a value is out of range.
void validate_sampler_params(const SamplerParams & params);

// The k most likely tokens under softmax(logits), most likely first, with natural-log probabilities.
struct TopTokens {
    std::vector<Token> ids;
    std::vector<float> logprobs;
};
TopTokens top_logprobs(const std::vector<float> & logits, size_t k);

class Sampler {
public:
    explicit Sampler(const SamplerParams & params);
    Token sample(const std::vector<float> & logits);

private:
    struct Candidate {
        Token id;
        float logit;
        float p;
    };

    SamplerParams params_;
    std::mt19937_64 rng_;
    std::vector<Candidate> candidates_;
};

}  // namespace fathom
