// Picks the next token from logits with llama.cpp's sampler chain and semantics:
// logit bias -> repetition penalties -> DRY -> top-k -> typical -> top-p -> min-p
// -> XTC -> temperature -> draw (greedy when temperature is 0). Same settings and
// seed give the same draws as llama.cpp (32-bit Mersenne Twister, its sort order).
// With a grammar, as node-llama-cpp does: the chain draws first and only a refused token
// costs a full mask, after which the chain runs again on the allowed tokens.
// Works on the logits in native memory, on the decode worker thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include "grammar/grammar-matcher.h"
#include "token.h"

namespace fathom {

struct SamplerParams {
    float temperature = 0.0f;  // <= 0: greedy
    int32_t top_k = 0;         // <= 0: off
    float top_p = 1.0f;        // >= 1: off
    float min_p = 0.0f;        // <= 0: off
    float typical_p = 1.0f;    // >= 1: off
    // Repetition penalties over the last penalty_last_n accepted tokens (0: off).
    float repeat_penalty = 1.0f;
    float frequency_penalty = 0.0f;
    float presence_penalty = 0.0f;
    int32_t penalty_last_n = 64;
    // DRY ("don't repeat yourself"): penalizes tokens that would extend a repeated sequence.
    float dry_multiplier = 0.0f;  // 0: off
    float dry_base = 1.75f;
    int32_t dry_allowed_length = 2;
    int32_t dry_penalty_last_n = 64;
    // Sequence breakers, each as [head, tail...]: a token whose text contains (or ends with the start of)
    // a breaker string, then the tokens of the rest of that string. A repeat never extends across one.
    std::vector<std::vector<Token>> dry_breakers;
    // XTC ("exclude top choices"): with this probability, drop all but the least likely token above the threshold.
    float xtc_probability = 0.0f;  // 0: off
    float xtc_threshold = 0.1f;
    std::vector<std::pair<Token, float>> logit_bias;  // added to the logits first; -inf bans
    uint32_t seed = 0;
};

// Throws Error(INVALID_ARGUMENT) naming the option when a value is out of range.
void validate_sampler_params(const SamplerParams & params);

// Log-probabilities under softmax(logits): the chosen token's and the k most likely, most likely first.
struct TopTokens {
    std::vector<Token> ids;
    std::vector<float> logprobs;
};
struct TokenLogprobs {
    float chosen = 0.0f;  // 0 when no token was chosen
    TopTokens top;
};
TokenLogprobs token_logprobs(const float * logits, size_t n_vocab, size_t k, Token chosen);

// One candidate token during sampling.
struct Candidate {
    Token id;
    float logit;
    float p;
};

// The candidates a chain works on: a window [data, data + size) of a buffer, maybe sorted by logit.
struct Candidates {
    Candidate * data = nullptr;
    size_t size = 0;
    bool sorted = false;
};

class Sampler {
public:
    explicit Sampler(const SamplerParams & params, std::unique_ptr<GrammarMatcher> grammar = nullptr);
    // Adds a token to the history repetition penalties and DRY look at (prompt and generated tokens).
    void accept(Token token);
    // Picks the next token from a row of n_vocab logits (and advances the grammar past it).
    Token sample(const float * logits, size_t n_vocab);
    // Marks the sampler as used by one evaluation; false if it already is (its state is not shared).
    bool try_acquire() { return !in_use_.exchange(true); }
    void release() { in_use_.store(false); }

private:
    // One pass of the chain; with `allowed` (a bitset over the vocabulary), other tokens are out first.
    Token choose(const float * logits, size_t n_vocab, const std::vector<uint64_t> * allowed);
    void apply_logit_bias(Candidates & c) const;
    void apply_penalties(Candidates & c) const;
    void apply_dry(Candidates & c);
    void apply_typical(Candidates & c);
    void apply_top_p(Candidates & c);
    void apply_min_p(Candidates & c);
    void apply_xtc(Candidates & c);
    size_t draw(Candidates & c);

    SamplerParams params_;
    std::mt19937 rng_;      // the draw's
    std::mt19937 xtc_rng_;  // XTC's own, as in llama.cpp
    std::vector<Candidate> buffer_, scratch_;
    std::deque<Token> penalty_history_;
    std::unordered_map<Token, int> penalty_counts_;
    std::deque<Token> dry_history_;
    std::unordered_multimap<Token, std::vector<Token>> dry_breakers_;  // head token -> tail tokens
    std::vector<int> dry_repeat_;
    std::unique_ptr<GrammarMatcher> grammar_;
    std::vector<uint64_t> allowed_;
    std::atomic<bool> in_use_{false};
};

}  // namespace fathom
