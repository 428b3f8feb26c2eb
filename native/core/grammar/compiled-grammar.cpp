// See compiled-grammar.h.
#include "compiled-grammar.h"

#include <utility>

namespace fathom {

// A shared automaton past this many bytes is left to the generations using it.
constexpr size_t AUTOMATON_BUDGET = size_t(256) << 20;

CompiledGrammar::CompiledGrammar(GrammarRules rules, std::shared_ptr<const TokenTrie> vocabulary)
    : rules_(std::make_shared<const GrammarRules>(std::move(rules))), vocabulary_(std::move(vocabulary)) {
    check_grammar_rules(*rules_, vocabulary_->n_vocab());
    automaton_ = std::make_shared<GrammarAutomaton>(rules_, vocabulary_);
}

std::shared_ptr<GrammarAutomaton> CompiledGrammar::automaton() {
    std::lock_guard<std::mutex> lock(mutex_);
    // Read without the automaton's mutex: a worker may hold it for a whole mask.
    if (automaton_->spent() || automaton_->footprint() > AUTOMATON_BUDGET) automaton_ = std::make_shared<GrammarAutomaton>(rules_, vocabulary_);
    return automaton_;
}

void CompiledGrammar::record_timings(bool on) { recording_.store(on); }

void CompiledGrammar::add_timing(float micros) {
    if (!recording_.load(std::memory_order_relaxed)) return;
    std::lock_guard<std::mutex> lock(timings_mutex_);
    // A bounded record: a benchmark takes its timings long before this fills.
    if (timings_.size() < (size_t(1) << 22)) timings_.push_back(micros);
}

std::vector<float> CompiledGrammar::take_timings() {
    std::lock_guard<std::mutex> lock(timings_mutex_);
    return std::exchange(timings_, {});
}

bool CompiledGrammar::matches(std::string_view text) {
    const std::shared_ptr<GrammarAutomaton> a = automaton();
    std::lock_guard<std::mutex> lock(a->mutex());
    Utf8Partial partial;
    const uint32_t state = a->walk_text(a->initial_state(), text, partial);
    return state != GrammarAutomaton::DEAD && partial.remain == 0 && a->can_end(state);
}

}  // namespace fathom
