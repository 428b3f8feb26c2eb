// See sampler.h. Each stage follows the corresponding llama.cpp sampler (order of
// operations, float/double precision, which stages sort) so that the same settings
// and seed select the same token.
#include "sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "error.h"
#include "grammar/token-mask.h"
#include "thread-clock.h"

namespace fathom {

void validate_sampler_params(const SamplerParams & p) {
    const auto bad = [](const std::string & what) { return Error(codes::INVALID_ARGUMENT, what); };
    if (!std::isfinite(p.temperature) || p.temperature < 0) throw bad("temperature must be a finite number >= 0, got " + std::to_string(p.temperature));
    if (p.top_k < 0) throw bad("topK must be >= 0, got " + std::to_string(p.top_k));
    if (!(p.top_p > 0 && p.top_p <= 1)) throw bad("topP must be in (0, 1], got " + std::to_string(p.top_p));
    if (!(p.min_p >= 0 && p.min_p <= 1)) throw bad("minP must be in [0, 1], got " + std::to_string(p.min_p));
    if (!(p.typical_p > 0 && p.typical_p <= 1)) throw bad("typicalP must be in (0, 1], got " + std::to_string(p.typical_p));
    if (!(std::isfinite(p.repeat_penalty) && p.repeat_penalty > 0 && std::isfinite(1.0f / p.repeat_penalty)))
        throw bad("repeatPenalty must be a finite number > 0");
    if (!std::isfinite(p.frequency_penalty) || !std::isfinite(p.presence_penalty)) throw bad("frequencyPenalty and presencePenalty must be finite");
    if (p.penalty_last_n < 0 || p.dry_penalty_last_n < 0) throw bad("penalty windows must be >= 0");
    if (!(std::isfinite(p.dry_multiplier) && p.dry_multiplier >= 0)) throw bad("dry.multiplier must be a finite number >= 0");
    if (!(std::isfinite(p.dry_base) && p.dry_base >= 1)) throw bad("dry.base must be a finite number >= 1");
    if (p.dry_allowed_length < 1) throw bad("dry.allowedLength must be >= 1");
    if (!(p.xtc_probability >= 0 && p.xtc_probability <= 1)) throw bad("xtc.probability must be in [0, 1]");
    if (!(p.xtc_threshold >= 0 && p.xtc_threshold <= 1)) throw bad("xtc.threshold must be in [0, 1]");
    for (const auto & [token, bias] : p.logit_bias) {
        if (token < 0) throw bad("logitBias token ids must be >= 0");
        if (std::isnan(bias) || bias == INFINITY) throw bad("logitBias values must be finite or -Infinity");
    }
    for (const auto & breaker : p.dry_breakers) {
        if (breaker.empty()) throw bad("a DRY sequence breaker needs a head token");
    }
}

TokenLogprobs token_logprobs(const float * logits, size_t n_vocab, size_t k, Token chosen) {
    TokenLogprobs out;
    if (n_vocab == 0) return out;
    const auto logit = [&](size_t t) { return std::isnan(logits[t]) ? -INFINITY : logits[t]; };
    // log softmax = logit - (max + log sum exp(logit - max)), summed in double.
    float max_logit = -INFINITY;
    for (size_t i = 0; i < n_vocab; i++) max_logit = std::max(max_logit, logit(i));
    double sum = 0;
    for (size_t i = 0; i < n_vocab; i++) sum += std::exp(static_cast<double>(logit(i)) - max_logit);
    const double log_norm = max_logit + std::log(sum);
    if (chosen >= 0 && static_cast<size_t>(chosen) < n_vocab) out.chosen = static_cast<float>(logit(chosen) - log_norm);
    k = std::min(k, n_vocab);
    if (k == 0) return out;
    std::vector<Token> order(n_vocab);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](Token a, Token b) { return logit(a) > logit(b); });
    for (size_t i = 0; i < k; i++) {
        out.top.ids.push_back(order[i]);
        out.top.logprobs.push_back(static_cast<float>(logit(order[i]) - log_norm));
    }
    return out;
}

namespace {

bool by_logit(const Candidate & a, const Candidate & b) { return a.logit > b.logit; }

// The `n` largest candidates, in descending order, into `out` (c is not changed). Candidates are
// first binned by logit into 128 buckets over [-10, 10] so only the top buckets are sorted.
void bucket_sort_top(const Candidates & c, size_t n, std::vector<Candidate> & out) {
    constexpr int n_buckets = 128;
    constexpr float low = -10.0f, high = 10.0f, scale = n_buckets / (high - low), offset = -low * scale;
    std::vector<int> bucket(c.size);
    std::vector<size_t> count(n_buckets, 0);
    for (size_t i = 0; i < c.size; i++) {
        const float v = c.data[i].logit;
        // int() of a float out of int's range (or NaN) is undefined: clamp first; -inf/NaN go to the lowest bucket.
        int b = v > -INFINITY ? static_cast<int>(std::max(-1.0f, std::min(scale * v + offset, static_cast<float>(n_buckets)))) : 0;
        bucket[i] = b = std::max(0, std::min(n_buckets - 1, b));
        count[b]++;
    }
    // The lowest bucket still needed to reach n.
    size_t have = 0;
    int lowest = n_buckets - 1;
    for (; lowest >= 0; lowest--) {
        have += count[lowest];
        if (have >= n) break;
    }
    out.resize(have);
    // Buckets laid out highest first, each in the candidates' original order.
    std::vector<Candidate *> next(n_buckets, nullptr);
    Candidate * at = out.data();
    for (int b = n_buckets - 1; b >= lowest; b--) {
        next[b] = at;
        at += count[b];
    }
    for (size_t i = 0; i < c.size; i++) {
        if (bucket[i] >= lowest) *next[bucket[i]]++ = c.data[i];
    }
    at = out.data();
    size_t done = 0;
    for (int b = n_buckets - 1; b > lowest; b--) {
        std::sort(at, at + count[b], by_logit);
        at += count[b];
        done += count[b];
    }
    std::partial_sort(at, at + (n - done), at + count[lowest], by_logit);
}

// Keeps the n largest candidates, sorted.
void keep_top(Candidates & c, size_t n, std::vector<Candidate> & scratch) {
    if (n <= 128) {
        std::partial_sort(c.data, c.data + n, c.data + c.size, by_logit);
    } else {
        bucket_sort_top(c, n, scratch);
        std::copy(scratch.begin(), scratch.begin() + n, c.data);
    }
    c.size = n;
    c.sorted = true;
}

// Fills p = softmax(logit) (float sum, as llama.cpp), sorting first if asked.
void softmax(Candidates & c, bool sort, std::vector<Candidate> & scratch) {
    if (sort && !c.sorted) keep_top(c, c.size, scratch);
    float max_logit = c.data[0].logit;
    if (!c.sorted) {
        for (size_t i = 1; i < c.size; i++) max_logit = std::max(max_logit, c.data[i].logit);
    }
    float sum = 0.0f;
    for (size_t i = 0; i < c.size; i++) sum += (c.data[i].p = expf(c.data[i].logit - max_logit));
    for (size_t i = 0; i < c.size; i++) c.data[i].p /= sum;
}

void apply_top_k(Candidates & c, int32_t k, std::vector<Candidate> & scratch) {
    if (k <= 0) return;
    const size_t n = std::min(static_cast<size_t>(k), c.size);
    if (c.sorted) {
        c.size = n;
    } else {
        keep_top(c, n, scratch);
    }
}

void apply_temperature(Candidates & c, float temperature) {
    if (temperature == 1.0f) return;
    for (size_t i = 0; i < c.size; i++) c.data[i].logit /= temperature;
}

}  // namespace

Sampler::Sampler(const SamplerParams & params, std::unique_ptr<GrammarMatcher> grammar)
    : params_(params), rng_(params.seed), xtc_rng_(params.seed), grammar_(std::move(grammar)) {
    validate_sampler_params(params);
    for (const auto & breaker : params_.dry_breakers) {
        dry_breakers_.emplace(breaker.front(), std::vector<Token>(breaker.begin() + 1, breaker.end()));
    }
}

void Sampler::accept(Token token) {
    const size_t penalty_n = static_cast<size_t>(params_.penalty_last_n);
    if (penalty_n > 0) {
        penalty_counts_[token]++;
        if (penalty_history_.size() >= penalty_n) {
            const Token old = penalty_history_.front();
            penalty_history_.pop_front();
            if (--penalty_counts_[old] == 0) penalty_counts_.erase(old);
        }
        penalty_history_.push_back(token);
    }
    const size_t dry_n = static_cast<size_t>(params_.dry_penalty_last_n);
    if (params_.dry_multiplier != 0.0f && dry_n > 0) {
        if (dry_history_.size() >= dry_n) dry_history_.pop_front();
        dry_history_.push_back(token);
    }
}

void Sampler::apply_logit_bias(Candidates & c) const {
    // The array is still in id order here: each bias lands directly on its token.
    for (const auto & [token, bias] : params_.logit_bias) {
        if (static_cast<size_t>(token) < c.size) c.data[token].logit += bias;
    }
}

void Sampler::apply_penalties(Candidates & c) const {
    const SamplerParams & p = params_;
    if (p.penalty_last_n == 0 || (p.repeat_penalty == 1.0f && p.frequency_penalty == 0.0f && p.presence_penalty == 0.0f)) return;
    for (size_t i = 0; i < c.size; i++) {
        const auto found = penalty_counts_.find(c.data[i].id);
        if (found == penalty_counts_.end()) continue;
        const int count = found->second;
        // Dividing a negative logit would raise it: those are multiplied instead.
        c.data[i].logit = c.data[i].logit <= 0 ? c.data[i].logit * p.repeat_penalty : c.data[i].logit / p.repeat_penalty;
        c.data[i].logit -= static_cast<float>(count) * p.frequency_penalty + static_cast<float>(count > 0) * p.presence_penalty;
    }
    c.sorted = false;
}

void Sampler::apply_dry(Candidates & c) {
    const SamplerParams & p = params_;
    if (p.dry_multiplier == 0.0f || p.dry_base < 1.0f || p.dry_penalty_last_n == 0) return;
    const int n = static_cast<int>(std::min<size_t>(dry_history_.size(), static_cast<size_t>(p.dry_penalty_last_n)));
    if (n <= p.dry_allowed_length) return;
    // recent(i): the i-th most recent token, recent(0) the last one.
    const auto recent = [&](int i) { return dry_history_[dry_history_.size() - 1 - static_cast<size_t>(i)]; };

    // A repeat may not reach back past the most recent sequence breaker.
    int limit = n;
    for (int i = 0; i < n; i++) {
        const auto [first, last] = dry_breakers_.equal_range(recent(i));
        if (first == last) continue;
        int longest = -1;
        for (auto it = first; it != last; ++it) {
            const std::vector<Token> & tail = it->second;
            const int length = static_cast<int>(tail.size());
            if (length <= longest || length > i) continue;
            bool match = true;
            for (int o = 0; o < length && match; o++) match = tail[o] == recent(i - o - 1);
            if (match) longest = length;
        }
        if (longest >= 0) {
            limit = i - longest;
            break;
        }
    }
    if (limit < p.dry_allowed_length) return;

    // repeat[n-1-k]: length of the longest suffix of the history that also ends k tokens back
    // (a Z-algorithm over the reversed history), capped at `limit`.
    dry_repeat_.assign(n, 0);
    const int last = n - 1;
    int left = 0, right = 0;
    for (int k = 1; k < n; k++) {
        if (k > right) {
            int len = 0;
            while (len + k < n && recent(len) == recent(len + k)) len++;
            dry_repeat_[last - k] = std::min(len, limit);
            if (len > 0) {
                left = k;
                right = k + len - 1;
            }
        } else {
            const int mirror = k - left, right_len = right - k + 1;
            if (dry_repeat_[last - mirror] < right_len) {
                dry_repeat_[last - k] = std::min(dry_repeat_[last - mirror], limit);
            } else {
                int j = right + 1;
                while (j < n && recent(j) == recent(j - k)) j++;
                dry_repeat_[last - k] = std::min(j - k, limit);
                left = k;
                right = j - 1;
            }
        }
    }

    // For each token that would continue a repeat: the longest such repeat.
    std::unordered_map<Token, int> longest_repeat;
    for (int i = 0; i + 1 < n; i++) {
        const int length = dry_repeat_[i];
        if (length < p.dry_allowed_length) continue;
        const Token next = recent(n - 2 - i);
        auto [it, inserted] = longest_repeat.emplace(next, length);
        if (!inserted && it->second < length) it->second = length;
    }

    // Penalty multiplier * base^(length - allowed), with the exponent capped so it stays finite in float.
    const int max_exponent = p.dry_base > 1.000001f ? static_cast<int>(88.7228391f / logf(p.dry_base)) : 0;
    for (size_t i = 0; i < c.size; i++) {
        const auto found = longest_repeat.find(c.data[i].id);
        if (found == longest_repeat.end()) continue;
        // A token that is a whole breaker by itself is never penalized.
        const auto [first, last_it] = dry_breakers_.equal_range(c.data[i].id);
        if (std::any_of(first, last_it, [](const auto & entry) { return entry.second.empty(); })) continue;
        int exponent = found->second - p.dry_allowed_length;
        if (max_exponent > 0 && exponent > max_exponent) exponent = max_exponent;
        c.data[i].logit -= static_cast<float>(static_cast<double>(p.dry_multiplier) * std::pow(static_cast<double>(p.dry_base), static_cast<double>(exponent)));
    }
    c.sorted = false;
}

void Sampler::apply_typical(Candidates & c) {
    if (params_.typical_p >= 1.0f) return;
    // Keeps the tokens whose surprisal is closest to the distribution's entropy.
    softmax(c, true, scratch_);
    float entropy = 0.0f;
    for (size_t i = 0; i < c.size; i++) entropy += -c.data[i].p * logf(c.data[i].p);
    std::vector<float> distance(c.size);
    for (size_t i = 0; i < c.size; i++) distance[i] = fabsf(-logf(c.data[i].p) - entropy);
    std::vector<size_t> order(c.size);
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return distance[a] < distance[b]; });
    float cumulative = 0.0f;
    size_t keep = c.size;
    for (size_t i = 0; i < c.size; i++) {
        cumulative += c.data[order[i]].p;
        if (cumulative > params_.typical_p) {
            keep = i + 1;
            break;
        }
    }
    std::vector<Candidate> kept(keep);
    for (size_t i = 0; i < keep; i++) kept[i] = c.data[order[i]];
    std::copy(kept.begin(), kept.end(), c.data);
    c.size = keep;
    c.sorted = false;
}

void Sampler::apply_top_p(Candidates & c) {
    if (params_.top_p >= 1.0f) return;
    softmax(c, false, scratch_);
    // Unsorted and large: sort only the top 256 first, widening to everything if they are not enough.
    size_t k = c.size;
    const Candidate * ranked = c.data;
    if (!c.sorted && c.size > 1024) {
        k = std::min<size_t>(256, c.size);
        bucket_sort_top(c, k, scratch_);
        ranked = scratch_.data();
    } else if (!c.sorted) {
        keep_top(c, c.size, scratch_);
    }
    float cumulative = 0.0f;
    size_t keep = c.size;
    for (size_t i = 0; i < c.size; i++) {
        cumulative += ranked[i].p;
        if (cumulative >= params_.top_p && i + 1 >= 1) {
            keep = i + 1;
            break;
        }
        if (!c.sorted && i == k - 1) {
            k = c.size;
            bucket_sort_top(c, k, scratch_);
            ranked = scratch_.data();
        }
    }
    if (!c.sorted) {
        std::copy(scratch_.begin(), scratch_.begin() + keep, c.data);
        c.sorted = true;
    }
    c.size = keep;
}

void Sampler::apply_min_p(Candidates & c) {
    if (params_.min_p <= 0.0f || c.size == 0) return;
    if (!c.sorted) {
        // Without sorting: keep every token within log(min_p) of the best, in place and in order.
        float max_logit = -std::numeric_limits<float>::max();
        for (size_t i = 0; i < c.size; i++) max_logit = std::max(max_logit, c.data[i].logit);
        const float min_logit = max_logit + logf(params_.min_p);
        size_t kept = 0;
        for (size_t i = 0; i < c.size; i++) {
            if (c.data[i].logit >= min_logit) c.data[kept++] = c.data[i];
        }
        if (kept > 0) {
            c.size = kept;
            return;
        }
        keep_top(c, c.size, scratch_);
    }
    const float min_logit = c.data[0].logit + logf(params_.min_p);
    size_t i = 1;
    while (i < c.size && !(c.data[i].logit < min_logit)) i++;
    c.size = i;
}

void Sampler::apply_xtc(Candidates & c) {
    if (params_.xtc_probability <= 0.0f || params_.xtc_threshold > 0.5f || c.size < 2) return;
    std::uniform_real_distribution<float> chance(0.0f, 1.0f);
    if (chance(xtc_rng_) > params_.xtc_probability) return;
    softmax(c, true, scratch_);
    size_t last_above = 0;
    for (size_t i = 0; i < c.size; i++) {
        if (c.data[i].p < params_.xtc_threshold) break;
        last_above = i;
    }
    // Drops every token above the threshold except the least likely of them.
    if (last_above > 0) {
        c.data += last_above;
        c.size -= last_above;
    }
}

size_t Sampler::draw(Candidates & c) {
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    if (c.size == 1) {
        uniform(rng_);  // llama.cpp draws here too: keeps the RNG stream aligned
        return 0;
    }
    float max_logit = c.data[0].logit;
    if (!c.sorted) {
        for (size_t i = 1; i < c.size; i++) max_logit = std::max(max_logit, c.data[i].logit);
    }
    double total = 0.0;
    for (size_t i = 0; i < c.size; i++) total += (c.data[i].p = expf(c.data[i].logit - max_logit));
    const double target = total * uniform(rng_);
    double running = 0.0;
    for (size_t i = 0; i < c.size; i++) {
        running += c.data[i].p;
        if (running >= target) return i;
    }
    return c.size - 1;
}

namespace {

// The allowed token with the highest logit (the first of equals); throws when the grammar allows none.
Token best_allowed(const float * logits, size_t n_vocab, const std::vector<uint64_t> & allowed) {
    Token best = NO_TOKEN;
    float best_logit = -INFINITY;
    for (size_t i = 0; i < n_vocab; i++) {
        if (!in_mask(allowed, i)) continue;
        const float v = std::isnan(logits[i]) ? -INFINITY : logits[i];
        if (best == NO_TOKEN || v > best_logit) {
            best = static_cast<Token>(i);
            best_logit = v;
        }
    }
    if (best == NO_TOKEN) throw Error(codes::INVALID_GRAMMAR, "no token of the vocabulary can continue the grammar here");
    return best;
}

// The chain's choice, unless every allowed token was pushed to -inf (a logit bias, say) and it drew a
// refused one: then the most likely allowed token, so the output still follows the grammar.
Token checked(Token chosen, const float * logits, size_t n_vocab, const std::vector<uint64_t> * allowed) {
    if (!allowed || in_mask(*allowed, static_cast<size_t>(chosen))) return chosen;
    return best_allowed(logits, n_vocab, *allowed);
}

}  // namespace

Token Sampler::sample(const float * logits, size_t n_vocab) {
    if (n_vocab == 0) return NO_TOKEN;
    if (!grammar_) return choose(logits, n_vocab, nullptr);
    Token token = choose(logits, n_vocab, nullptr);
    // Grammar work: the check, the mask when the draw was refused, and the advance (not the draws), in
    // this thread's CPU time less the clock's own, taken only while a benchmark records it.
    const bool timed = grammar_->recording();
    double spent = 0.0;
    int intervals = 1;
    double start = timed ? thread_cpu_micros() : 0.0;
    if (grammar_->active() && !grammar_->allows(token)) {
        grammar_->allowed(allowed_);
        if (timed) spent += thread_cpu_micros() - start;
        token = choose(logits, n_vocab, &allowed_);
        if (timed) start = thread_cpu_micros();
        intervals = 2;
    }
    grammar_->accept(token);
    if (timed) {
        spent += thread_cpu_micros() - start;
        grammar_->add_timing(static_cast<float>(std::max(0.0, spent - intervals * thread_cpu_overhead_micros())));
    }
    return token;
}

Token Sampler::choose(const float * logits, size_t n_vocab, const std::vector<uint64_t> * allowed) {
    const SamplerParams & p = params_;
    const bool plain_greedy = p.temperature <= 0.0f && p.logit_bias.empty() && p.repeat_penalty == 1.0f && p.frequency_penalty == 0.0f &&
                              p.presence_penalty == 0.0f && p.dry_multiplier == 0.0f && p.top_k <= 0 && p.typical_p >= 1.0f && p.top_p >= 1.0f &&
                              p.min_p <= 0.0f && p.xtc_probability <= 0.0f;
    if (plain_greedy) {
        // No stage would change anything: the first of the highest logits, without building candidates.
        if (allowed) return best_allowed(logits, n_vocab, *allowed);
        size_t best = 0;
        float best_logit = std::isnan(logits[0]) ? -INFINITY : logits[0];
        for (size_t i = 1; i < n_vocab; i++) {
            if (logits[i] > best_logit) best_logit = logits[best = i];
        }
        return static_cast<Token>(best);
    }
    buffer_.resize(n_vocab);
    // NaN (from a broken weight file) would break the strict ordering sorting relies on: treat it as -inf.
    for (size_t i = 0; i < n_vocab; i++) buffer_[i] = Candidate{static_cast<Token>(i), std::isnan(logits[i]) ? -INFINITY : logits[i], 0.0f};
    // The grammar's mask first, as llama.cpp applies it before the chain when a drawn token was refused.
    if (allowed) {
        for (size_t i = 0; i < n_vocab; i++) {
            if (!in_mask(*allowed, i)) buffer_[i].logit = -INFINITY;
        }
    }
    Candidates c{buffer_.data(), n_vocab, false};
    apply_logit_bias(c);
    apply_penalties(c);
    apply_dry(c);
    apply_top_k(c, params_.top_k, scratch_);
    apply_typical(c);
    apply_top_p(c);
    apply_min_p(c);
    apply_xtc(c);
    if (params_.temperature <= 0.0f) {
        // Greedy: the first of the highest remaining logits (llama.cpp masks all others, then draws).
        size_t best = 0;
        for (size_t i = 1; i < c.size; i++) {
            if (c.data[i].logit > c.data[best].logit) best = i;
        }
        return checked(c.data[best].id, logits, n_vocab, allowed);
    }
    apply_temperature(c, params_.temperature);
    return checked(c.data[draw(c)].id, logits, n_vocab, allowed);
}

}  // namespace fathom
