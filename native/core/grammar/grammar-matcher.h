// One generation's position in a grammar: the automaton state, a character a token left
// unfinished, and for a lazy grammar the text seen while it waits for its trigger. Lives in
// the Sampler; the decode thread checks and advances it token by token, no JS involved.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiled-grammar.h"

namespace fathom {

// A lazy grammar constrains nothing until one of these appears in the output; it then applies
// from the start of the trigger word (or to the trigger token itself) on.
struct GrammarTriggers {
    std::vector<std::string> words;
    std::vector<Token> tokens;
    bool empty() const { return words.empty() && tokens.empty(); }
};

class GrammarMatcher {
public:
    GrammarMatcher(const std::shared_ptr<CompiledGrammar> & grammar, GrammarTriggers triggers);

    // Does the grammar constrain the next token (false while a lazy grammar waits)?
    bool active() const { return active_; }
    // Would the grammar accept this token next?
    bool allows(Token token);
    // Every token it accepts next, as a bitset over the vocabulary (64 a word).
    void allowed(std::vector<uint64_t> & bits);
    // Takes a generated token: advances the grammar (end-of-generation tokens leave it as is), or
    // for a waiting lazy grammar, looks for its trigger. Throws INVALID_GRAMMAR if the token is refused.
    void accept(Token token);
    // Counts one sampled token's grammar work toward the grammar's timings (when recording).
    bool recording() const { return grammar_->recording(); }
    void add_timing(float micros) { grammar_->add_timing(micros); }

private:
    // The state after `text` from (state_, partial_); DEAD if refused.
    uint32_t walk(std::string_view text, Utf8Partial & partial);
    void wait_for_trigger(Token token);

    std::shared_ptr<CompiledGrammar> grammar_;
    std::shared_ptr<GrammarAutomaton> automaton_;
    uint32_t state_;
    Utf8Partial partial_;
    bool active_;
    GrammarTriggers triggers_;
    std::string recent_;  // while waiting: the end of the output, long enough to hold a trigger word
};

}  // namespace fathom
