// See sampler.h. Filter order follows llama.cpp's default chain:
// top-k -> top-p -> min-p -> temperature -> draw.
#include "sampler.h"

#include <algorithm>
#include <cmath>

#include "error.h"

namespace fathom {

void validate_sampler_params(const SamplerParams & p) {
    const auto bad = [](const std::string & what) { return Error(codes::INVALID_ARGUMENT, what); };
    if (!std::isfinite(p.temperature) || p.temperature < 0) throw bad("temperature must be a finite number >= 0, got " + std::to_string(p.temperature));
    if (p.top_k < 0) throw bad("topK must be >= 0, got " + std::to_string(p.top_k));
    if (!(p.top_p > 0 && p.top_p <= 1)) throw bad("topP must be in (0, 1], got " + std::to_string(p.top_p));
    if (!(p.min_p >= 0 && p.min_p <= 1)) throw bad("minP must be in [0, 1], got " + std::to_string(p.min_p));
}

Sampler::Sampler(const SamplerParams & params) : params_(params), rng_(params.seed) { validate_sampler_params(params); }

TopTokens top_logprobs(const std::vector<float> & logits, size_t k) {
    TopTokens top;
    if (logits.empty() || k == 0) return top;
    k = std::min(k, logits.size());
    std::vector<Token> order(logits.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = static_cast<Token>(i);
    const auto logit = [&](Token t) { return std::isnan(logits[t]) ? -INFINITY : logits[t]; };
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](Token a, Token b) { return logit(a) > logit(b); });
    // log softmax = logit - (max + log sum exp(logit - max)), summed in double.
    const float max_logit = logit(order[0]);
    double sum = 0;
    for (size_t i = 0; i < logits.size(); i++) sum += std::exp(static_cast<double>(logit(static_cast<Token>(i))) - max_logit);
    const double log_norm = max_logit + std::log(sum);
    for (size_t i = 0; i < k; i++) {
        top.ids.push_back(order[i]);
        top.logprobs.push_back(static_cast<float>(logit(order[i]) - log_norm));
    }
    return top;
}

Token Sampler::sample(const std::vector<float> & logits) {
    // NaN (from a broken weight file) would break the strict ordering sort relies on: treat it as -inf.
    const auto logit = [&](size_t i) { return std::isnan(logits[i]) ? -INFINITY : logits[i]; };
    if (params_.temperature <= 0) {
        // Greedy: the first of the highest logits, as llama.cpp's greedy sampler.
        size_t best = 0;
        for (size_t i = 1; i < logits.size(); i++) {
            if (logit(i) > logit(best)) best = i;
        }
        return static_cast<Token>(best);
    }
    candidates_.resize(logits.size());
    for (size_t i = 0; i < logits.size(); i++) candidates_[i] = Candidate{static_cast<Token>(i), logit(i), 0.0f};
    const auto by_logit = [](const Candidate & a, const Candidate & b) { return a.logit > b.logit; };

    // Sort only as far as the filters look: a full sort of a 150k vocabulary costs more than a decode step.
    size_t sorted;  // candidates_[0, sorted) are the largest, in descending order
    const bool filtered = params_.top_p < 1.0f || params_.min_p > 0.0f;
    if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < candidates_.size()) {
        sorted = params_.top_k;
        std::partial_sort(candidates_.begin(), candidates_.begin() + sorted, candidates_.end(), by_logit);
        candidates_.resize(sorted);
    } else if (!filtered) {
        std::iter_swap(candidates_.begin(), std::min_element(candidates_.begin(), candidates_.end(), by_logit));
        sorted = 1;
    } else {
        sorted = std::min<size_t>(candidates_.size(), 1024);
        std::partial_sort(candidates_.begin(), candidates_.begin() + sorted, candidates_.end(), by_logit);
    }
    // Extends the sorted prefix to everything (the rest are all smaller than the prefix).
    const auto sort_all = [&] {
        std::sort(candidates_.begin() + sorted, candidates_.end(), by_logit);
        sorted = candidates_.size();
    };

    if (candidates_.front().logit == -INFINITY) return candidates_.front().id;  // nothing is possible; do not divide by zero

    // Probabilities of the remaining candidates at temperature 1 drive top-p and min-p.
    const auto normalize = [&](float temperature) {
        const float max_logit = candidates_.front().logit;
        double sum = 0;
        for (Candidate & c : candidates_) sum += (c.p = std::exp((c.logit - max_logit) / temperature));
        for (Candidate & c : candidates_) c.p = static_cast<float>(c.p / sum);
    };
    normalize(1.0f);
    if (params_.top_p < 1.0f) {
        double cumulative = 0;
        size_t n = 0;
        while (n < candidates_.size()) {
            if (n == sorted) sort_all();
            cumulative += candidates_[n++].p;
            if (cumulative >= params_.top_p) break;
        }
        candidates_.resize(std::max<size_t>(n, 1));
        sorted = std::min(sorted, candidates_.size());
    }
    if (params_.min_p > 0.0f) {
        const float threshold = candidates_.front().p * params_.min_p;
        size_t n = 1;
        while (n < candidates_.size()) {
            if (n == sorted) sort_all();
            if (candidates_[n].p < threshold) break;
            n++;
        }
        candidates_.resize(n);
    }

    normalize(params_.temperature);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    double r = uniform(rng_);
    for (const Candidate & c : candidates_) {
        if ((r -= c.p) <= 0) return c.id;
    }
    return candidates_.back().id;
}

}  // namespace fathom
