// See grammar-matcher.h. Every call locks the shared automaton for its duration.
#include "grammar-matcher.h"

#include <algorithm>

#include "error.h"

namespace fathom {

GrammarMatcher::GrammarMatcher(const std::shared_ptr<CompiledGrammar> & grammar, GrammarTriggers triggers)
    : grammar_(grammar), automaton_(grammar->automaton()), state_(automaton_->initial_state()), active_(triggers.empty()), triggers_(std::move(triggers)) {}

uint32_t GrammarMatcher::walk(std::string_view text, Utf8Partial & partial) {
    partial = partial_;
    return automaton_->walk_text(state_, text, partial);
}

bool GrammarMatcher::allows(Token token) {
    if (!active_) return true;
    std::lock_guard<std::mutex> lock(automaton_->mutex());
    const TokenTrie & vocab = automaton_->vocabulary();
    if (token < 0 || static_cast<uint32_t>(token) >= vocab.n_vocab()) return false;
    if (vocab.is_eog(token)) return automaton_->can_end(state_);
    const std::string_view piece = vocab.piece(token);
    if (piece.empty()) return false;
    if (partial_.remain <= 0 && automaton_->step_token(state_, token) != GrammarAutomaton::DEAD) return true;
    Utf8Partial partial;
    const uint32_t state = walk(piece, partial);
    return state != GrammarAutomaton::DEAD && (partial.remain == 0 || automaton_->may_complete(state, partial));
}

void GrammarMatcher::allowed(std::vector<uint64_t> & bits) {
    std::lock_guard<std::mutex> lock(automaton_->mutex());
    bits = automaton_->allowed(state_, partial_);
}

void GrammarMatcher::accept(Token token) {
    if (!active_) return wait_for_trigger(token);
    std::lock_guard<std::mutex> lock(automaton_->mutex());
    const TokenTrie & vocab = automaton_->vocabulary();
    if (token < 0 || static_cast<uint32_t>(token) >= vocab.n_vocab()) throw Error(codes::INVALID_ARGUMENT, "token id out of the vocabulary");
    if (vocab.is_eog(token)) return;
    const uint32_t as_token = partial_.remain <= 0 ? automaton_->step_token(state_, token) : GrammarAutomaton::DEAD;
    Utf8Partial partial;
    const uint32_t as_text = walk(vocab.piece(token), partial);
    const uint32_t next = automaton_->merge(as_token, as_text);
    if (next == GrammarAutomaton::DEAD || vocab.piece(token).empty())
        throw Error(codes::INVALID_GRAMMAR, "token " + std::to_string(token) + " is not allowed by the grammar here");
    state_ = next;
    partial_ = as_text != GrammarAutomaton::DEAD ? partial : Utf8Partial{};
}

void GrammarMatcher::wait_for_trigger(Token token) {
    const std::vector<Token> & tokens = triggers_.tokens;
    if (std::find(tokens.begin(), tokens.end(), token) != tokens.end()) {
        active_ = true;
        recent_.clear();
        return accept(token);
    }
    const TokenTrie & vocab = automaton_->vocabulary();
    if (token < 0 || static_cast<uint32_t>(token) >= vocab.n_vocab() || vocab.is_eog(token)) return;
    const size_t before = recent_.size();
    recent_ += vocab.piece(token);
    size_t start = std::string::npos, longest = 0;
    for (const std::string & word : triggers_.words) {
        longest = std::max(longest, word.size());
        // Only a match that ends in this token's text is new.
        const size_t from = before >= word.size() ? before - word.size() + 1 : 0;
        const size_t at = recent_.find(word, from);
        if (at != std::string::npos) start = std::min(start, at);
    }
    if (start == std::string::npos) {
        if (recent_.size() > longest) recent_.erase(0, recent_.size() - longest);
        return;
    }
    // The grammar starts at the trigger word: it reads that text (and what followed it in this token) now.
    active_ = true;
    const std::string text = recent_.substr(start);
    recent_.clear();
    std::lock_guard<std::mutex> lock(automaton_->mutex());
    Utf8Partial partial;
    const uint32_t next = walk(text, partial);
    if (next == GrammarAutomaton::DEAD) throw Error(codes::INVALID_GRAMMAR, "the grammar does not accept its own trigger text '" + text + "'");
    state_ = next;
    partial_ = partial;
}

}  // namespace fathom
