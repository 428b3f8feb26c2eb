// A grammar checked and bound to one vocabulary, ready for any number of generations at once:
// what src/ compiles once and reuses. It owns the shared automaton; when that has grown past its
// memory budget (many long, different outputs), new generations get a fresh one.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "grammar-automaton.h"
#include "grammar-rules.h"
#include "token-trie.h"

namespace fathom {

class CompiledGrammar {
public:
    // Throws Error(INVALID_GRAMMAR) when check_grammar_rules refuses the rules.
    CompiledGrammar(GrammarRules rules, std::shared_ptr<const TokenTrie> vocabulary);
    std::shared_ptr<GrammarAutomaton> automaton();
    // Is `text` (UTF-8) a whole output of the grammar: every character accepted, and the grammar able to end?
    bool matches(std::string_view text);

    // For benchmarks: while on, each sampled token's grammar work (µs) is kept until taken.
    void record_timings(bool on);
    bool recording() const { return recording_.load(std::memory_order_relaxed); }
    void add_timing(float micros);
    std::vector<float> take_timings();
    const TokenTrie & vocabulary() const { return *vocabulary_; }

private:
    std::shared_ptr<const GrammarRules> rules_;
    std::shared_ptr<const TokenTrie> vocabulary_;
    std::mutex mutex_;
    std::shared_ptr<GrammarAutomaton> automaton_;
    std::atomic<bool> recording_{false};
    std::mutex timings_mutex_;
    std::vector<float> timings_;
};

}  // namespace fathom
