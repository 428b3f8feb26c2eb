// The grammar as a lazily built automaton, shared by every generation that uses one compiled
// grammar: parse stacks are interned nodes (element position, parent node), a state is the set
// of stacks alive after some text, and every step (state, code point) -> state is computed once.
// Token masks (which tokens a state allows) are cached per state. Callers hold mutex() around
// every call: generations on different contexts use it from different threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flat-map.h"
#include "grammar-rules.h"
#include "token-trie.h"
#include "utf8-partial.h"

namespace fathom {

class GrammarAutomaton {
public:
    static constexpr uint32_t DEAD = 0;  // the state with no stacks: nothing can follow

    GrammarAutomaton(std::shared_ptr<const GrammarRules> rules, std::shared_ptr<const TokenTrie> vocabulary);

    std::mutex & mutex() { return mutex_; }
    const TokenTrie & vocabulary() const { return *vocabulary_; }

    uint32_t initial_state() const { return initial_; }
    // The state after one more code point of text.
    uint32_t step(uint32_t state, uint32_t cp) {
        // ASCII steps are most of a trie walk: a row of 128 per state, siblings in the trie share it.
        if (cp < 128 && ascii_row_[state] != NO_ROW) {
            const uint32_t known = ascii_steps_[ascii_row_[state] + cp];
            if (known != UNKNOWN) return known;
        }
        // Most states treat every code point past ASCII alike (a JSON string takes them all): one step for all.
        if (cp >= 128 && wide_step_[state] < NOT_UNIFORM) return wide_step_[state];
        return compute_step(state, cp);
    }
    // The state after `text` from `state`, with `partial` (a character an earlier text left unfinished)
    // updated; DEAD if refused.
    uint32_t walk_text(uint32_t state, std::string_view text, Utf8Partial & partial);
    // The state after a whole token matched by token elements (<[id]>, !<[id]>) at the top of a stack.
    uint32_t step_token(uint32_t state, Token token);
    // The union of two states (a token may be matched both as text and as a token element).
    uint32_t merge(uint32_t a, uint32_t b);
    // Could the grammar end here (some stack is empty)?
    bool can_end(uint32_t state) const { return flags_[state] & CAN_END; }
    // Could a character that `partial` has begun still match?
    bool may_complete(uint32_t state, const Utf8Partial & partial) const;
    // Every token allowed next, as a bitset over the vocabulary (64 tokens a word): end-of-generation
    // tokens where the grammar can end, tokens whose text the grammar accepts from `partial` on.
    const std::vector<uint64_t> & allowed(uint32_t state, const Utf8Partial & partial);

    // Memory held by the caches, in bytes, as of the last growth (read without the mutex): past a
    // budget, or once it refused to grow further (spent), new generations start on a fresh automaton.
    size_t footprint() const { return footprint_.load(std::memory_order_relaxed); }
    bool spent() const { return spent_.load(std::memory_order_relaxed); }

private:
    struct StackNode {
        uint32_t pos;     // element index: the next element this stack must match
        uint32_t parent;  // the stack below (its pos is where to return); 0: nothing below
    };
    enum : uint8_t { CAN_END = 1, HAS_CHARS = 2, HAS_TOKENS = 4, HAS_WIDE = 8 /* some stack takes a code point >= 128 */ };

    static constexpr uint32_t NO_ROW = UINT32_MAX, UNKNOWN = UINT32_MAX, NOT_UNIFORM = UINT32_MAX - 1;
    uint32_t compute_step(uint32_t state, uint32_t cp);
    uint32_t node(uint32_t pos, uint32_t parent);
    // Appends to out the stacks that (pos, parent) expands to, each with a character or token element on top.
    void expand(uint32_t pos, uint32_t parent, std::vector<uint32_t> & out);
    // The stacks after node n's top element has matched (memoized per node).
    void follow(uint32_t n, std::vector<uint32_t> & out);
    uint32_t intern(std::vector<uint32_t> & stacks);
    // The state after each stack of `state` whose top element `takes` (a predicate on it) has matched it.
    template <typename Takes>
    uint32_t advance(uint32_t state, const Takes & takes) {
        std::vector<uint32_t> next;
        for (uint32_t i = state_begin_[state]; i < state_begin_[state + 1]; i++) {
            const uint32_t n = state_pool_[i];
            if (n != 0 && takes(rules_->elements[nodes_[n].pos])) follow(n, next);
        }
        return intern(next);
    }
    // A state's run: the characters that lead it to one next state (those that lead back to it when
    // some do, else those of the most common next state), and how many such characters in a row the
    // states along that way all take alike (RUN_UNBOUNDED past a loop). A trie subtree made only of
    // them and no deeper than the run is allowed whole: a JSON string's characters, bounded or not.
    struct Run {
        uint64_t live[2] = {0, 0};  // the ASCII characters the state takes at all
        uint64_t ascii[2] = {0, 0};
        bool wide = false;
        uint32_t next = UNKNOWN;    // UNKNOWN: not computed yet; DEAD: no character leads on
        uint32_t length = UNKNOWN;  // UNKNOWN: not computed yet
    };
    static constexpr uint32_t RUN_UNBOUNDED = UINT32_MAX - 1;
    void compute_run_chars(uint32_t state);
    uint32_t run_length(uint32_t state);
    void walk_trie(uint32_t state, const Utf8Partial & partial, std::vector<uint64_t> & bits);
    // Walks trie nodes [begin, end) (whole subtrees, their parents' frames set), allowing tokens into bits.
    void walk_nodes(size_t begin, size_t end, uint32_t root, std::vector<uint64_t> & bits);
    // Records the footprint; refuses (INVALID_GRAMMAR) past the hard limit.
    void check_limits();
    [[noreturn]] void refuse(const std::string & what);

    std::shared_ptr<const GrammarRules> rules_;
    std::shared_ptr<const TokenTrie> vocabulary_;
    std::mutex mutex_;

    std::vector<StackNode> nodes_;  // node 0: the empty stack
    FlatMap64 node_ids_;
    std::vector<uint32_t> follow_begin_, follow_end_;  // per node, into follow_pool_ (UINT32_MAX: not yet)
    std::vector<uint32_t> follow_pool_;

    std::vector<uint32_t> state_pool_, state_begin_;  // state s: state_pool_[state_begin_[s] .. state_begin_[s + 1])
    std::vector<uint8_t> flags_;
    std::unordered_multimap<uint64_t, uint32_t> state_ids_;  // content hash -> state
    FlatMap64 steps_;                                        // (state << 32 | code point) -> state, code points >= 128
    std::vector<uint32_t> ascii_row_;                        // per state: where its row starts in ascii_steps_, or NO_ROW
    std::vector<uint32_t> ascii_steps_;                      // rows of 128 next states (UNKNOWN: not computed yet)
    std::vector<uint32_t> wide_step_;                        // per state: the step for any code point >= 128, NOT_UNIFORM, UNKNOWN
    std::vector<Run> runs_;                                  // per state
    uint32_t initial_ = DEAD;

    std::unordered_map<uint32_t, std::vector<uint64_t>> masks_;  // per state, at a character boundary
    size_t mask_bytes_ = 0;
    std::vector<uint64_t> scratch_mask_;
    std::vector<uint32_t> work_;
    struct Frame {  // a trie walk at some depth: the state after the bytes above, and a character begun there
        uint32_t state;
        Utf8Partial utf8;
    };
    std::vector<Frame> frames_;  // per trie depth
    std::atomic<size_t> footprint_{0};
    std::atomic<bool> spent_{false};
};

}  // namespace fathom
