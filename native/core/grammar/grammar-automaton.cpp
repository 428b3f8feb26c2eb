// See grammar-automaton.h. Stack semantics follow llama.cpp's grammar: a reference that ends
// its alternative does not push a return (so right recursion does not grow stacks), a stack
// that empties may end the grammar, and token elements only match a whole token.
#include "grammar-automaton.h"

#include <algorithm>

#include "error.h"

namespace fathom {

namespace {

// Past these, a grammar is refused (too ambiguous or too deeply nested to run in bounded memory).
constexpr size_t MAX_NODES = size_t(1) << 22;
constexpr size_t MAX_STATE_POOL = size_t(1) << 25;
constexpr size_t MAX_EXPANSION = 200000;  // stacks visited expanding one position
constexpr size_t MAX_MASK_BYTES = size_t(64) << 20;
constexpr size_t MAX_FOOTPRINT = size_t(1) << 30;  // every cache together
constexpr uint32_t NO_POS = UINT32_MAX;

uint64_t pair_key(uint32_t a, uint32_t b) { return (static_cast<uint64_t>(a) << 32) | b; }

}  // namespace

GrammarAutomaton::GrammarAutomaton(std::shared_ptr<const GrammarRules> rules, std::shared_ptr<const TokenTrie> vocabulary)
    : rules_(std::move(rules)), vocabulary_(std::move(vocabulary)) {
    nodes_.push_back({NO_POS, 0});
    follow_begin_.push_back(NO_POS);
    follow_end_.push_back(NO_POS);
    // State 0 is DEAD (no stacks).
    state_begin_ = {0, 0};
    flags_.push_back(0);
    ascii_row_.push_back(NO_ROW);
    wide_step_.push_back(UNKNOWN);
    std::vector<uint32_t> stacks;
    for (uint32_t start : rules_->alternatives[rules_->root]) expand(start, 0, stacks);
    initial_ = intern(stacks);
}

uint32_t GrammarAutomaton::node(uint32_t pos, uint32_t parent) {
    const uint64_t key = pair_key(pos, parent);
    const uint32_t found = node_ids_.find(key);
    if (found != FlatMap64::MISSING) return found;
    if (nodes_.size() >= MAX_NODES) refuse("more than " + std::to_string(MAX_NODES) + " parse stacks");
    const uint32_t id = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back({pos, parent});
    follow_begin_.push_back(NO_POS);
    follow_end_.push_back(NO_POS);
    node_ids_.insert(key, id);
    return id;
}

void GrammarAutomaton::expand(uint32_t pos, uint32_t parent, std::vector<uint32_t> & out) {
    const std::vector<GrammarElement> & elements = rules_->elements;
    std::vector<std::pair<uint32_t, uint32_t>> todo{{pos, parent}};
    FlatMap64 seen;
    while (!todo.empty()) {
        const auto [p, below] = todo.back();
        todo.pop_back();
        const uint64_t key = pair_key(p, below);
        if (seen.find(key) != FlatMap64::MISSING) continue;
        seen.insert(key, 0);
        if (seen.size() > MAX_EXPANSION) refuse("one position expands to more than " + std::to_string(MAX_EXPANSION) + " stacks");
        const GrammarElement & e = elements[p];
        switch (e.kind) {
            case GrammarElementKind::Chars:
            case GrammarElementKind::Token:
            case GrammarElementKind::NotToken:
                out.push_back(node(p, below));
                break;
            case GrammarElementKind::End:
                if (below == 0) {
                    out.push_back(0);
                } else {
                    todo.push_back({nodes_[below].pos, nodes_[below].parent});
                }
                break;
            case GrammarElementKind::Rule: {
                // Nothing after the reference in this alternative: return straight to the caller.
                const uint32_t ret = elements[p + 1].kind == GrammarElementKind::End ? below : node(p + 1, below);
                for (uint32_t start : rules_->alternatives[e.value]) todo.push_back({start, ret});
                break;
            }
        }
    }
}

void GrammarAutomaton::follow(uint32_t n, std::vector<uint32_t> & out) {
    if (follow_begin_[n] == NO_POS) {
        work_.clear();
        expand(nodes_[n].pos + 1, nodes_[n].parent, work_);
        follow_begin_[n] = static_cast<uint32_t>(follow_pool_.size());
        follow_pool_.insert(follow_pool_.end(), work_.begin(), work_.end());
        follow_end_[n] = static_cast<uint32_t>(follow_pool_.size());
        check_limits();
    }
    out.insert(out.end(), follow_pool_.begin() + follow_begin_[n], follow_pool_.begin() + follow_end_[n]);
}

uint32_t GrammarAutomaton::intern(std::vector<uint32_t> & stacks) {
    std::sort(stacks.begin(), stacks.end());
    stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
    if (stacks.empty()) return DEAD;
    uint64_t hash = 1469598103934665603ull;
    for (uint32_t s : stacks) hash = (hash ^ s) * 1099511628211ull;
    const auto [first, last] = state_ids_.equal_range(hash);
    for (auto it = first; it != last; ++it) {
        const uint32_t id = it->second;
        if (std::equal(stacks.begin(), stacks.end(), state_pool_.begin() + state_begin_[id], state_pool_.begin() + state_begin_[id + 1])) return id;
    }
    if (state_pool_.size() + stacks.size() > MAX_STATE_POOL) refuse("more than " + std::to_string(MAX_STATE_POOL) + " stacks in parse states");
    const uint32_t id = static_cast<uint32_t>(flags_.size());
    uint8_t flags = 0;
    for (uint32_t s : stacks) {
        if (s == 0) {
            flags |= CAN_END;
            continue;
        }
        const GrammarElement & e = rules_->elements[nodes_[s].pos];
        flags |= e.kind == GrammarElementKind::Chars ? HAS_CHARS : HAS_TOKENS;
        if (e.kind == GrammarElementKind::Chars && rules_->classes[e.value].accepts_any_in(128, 0x10FFFF)) flags |= HAS_WIDE;
    }
    state_pool_.insert(state_pool_.end(), stacks.begin(), stacks.end());
    state_begin_.push_back(static_cast<uint32_t>(state_pool_.size()));
    flags_.push_back(flags);
    ascii_row_.push_back(NO_ROW);
    wide_step_.push_back(UNKNOWN);
    state_ids_.emplace(hash, id);
    check_limits();
    return id;
}

uint32_t GrammarAutomaton::compute_step(uint32_t state, uint32_t cp) {
    if (!(flags_[state] & HAS_CHARS)) return DEAD;
    const uint32_t first = state_begin_[state], last = state_begin_[state + 1];
    const auto matches = [&](uint32_t n) {
        if (n == 0) return false;
        const GrammarElement & e = rules_->elements[nodes_[n].pos];
        return e.kind == GrammarElementKind::Chars && rules_->classes[e.value].matches(cp);
    };
    // Beyond ASCII there are tens of thousands of code points in a large vocabulary, but a state only
    // tells them apart by which of its stacks accept them: steps are kept per such signature, and a
    // state whose every class takes all of them or none has one step for them all.
    uint64_t key = 0;
    if (cp >= 128 && wide_step_[state] == UNKNOWN) {
        bool uniform = true;
        for (uint32_t i = first; uniform && i < last; i++) {
            const uint32_t n = state_pool_[i];
            if (n == 0) continue;
            const GrammarElement & e = rules_->elements[nodes_[n].pos];
            if (e.kind != GrammarElementKind::Chars) continue;
            const CharClass & c = rules_->classes[e.value];
            uniform = !c.accepts_any_in(128, 0x10FFFF) || !c.rejects_any_in(128, 0x10FFFF);
        }
        wide_step_[state] = NOT_UNIFORM;
        if (uniform) {
            const uint32_t next = compute_step(state, cp);
            wide_step_[state] = next;
            return next;
        }
    }
    if (cp >= 128) {
        uint32_t signature = 0;
        const bool small = last - first <= 31;
        for (uint32_t i = first; small && i < last; i++) signature |= static_cast<uint32_t>(matches(state_pool_[i])) << (i - first);
        if (small && signature == 0) return DEAD;
        key = pair_key(state, small ? 0x80000000u | signature : cp);
        const uint32_t known = steps_.find(key);
        if (known != FlatMap64::MISSING) return known;
    }
    std::vector<uint32_t> next;
    for (uint32_t i = first; i < last; i++) {
        if (matches(state_pool_[i])) follow(state_pool_[i], next);
    }
    const uint32_t result = intern(next);
    if (cp >= 128) {
        steps_.insert(key, result);
    } else {
        if (ascii_row_[state] == NO_ROW) {
            ascii_row_[state] = static_cast<uint32_t>(ascii_steps_.size());
            ascii_steps_.resize(ascii_steps_.size() + 128, UNKNOWN);
            check_limits();
        }
        ascii_steps_[ascii_row_[state] + cp] = result;
    }
    return result;
}

uint32_t GrammarAutomaton::walk_text(uint32_t state, std::string_view text, Utf8Partial & partial) {
    if (partial.remain < 0) partial.remain = 0;
    for (char c : text) {
        const Utf8Step r = utf8_step(partial, static_cast<uint8_t>(c));
        if (r == Utf8Step::Invalid) return DEAD;
        if (r == Utf8Step::CodePoint) state = step(state, partial.value);
        if (state == DEAD) return DEAD;
    }
    return state;
}

uint32_t GrammarAutomaton::step_token(uint32_t state, Token token) {
    if (!(flags_[state] & HAS_TOKENS)) return DEAD;
    std::vector<uint32_t> next;
    for (uint32_t i = state_begin_[state]; i < state_begin_[state + 1]; i++) {
        const uint32_t n = state_pool_[i];
        if (n == 0) continue;
        const GrammarElement & e = rules_->elements[nodes_[n].pos];
        const bool same = e.value == static_cast<uint32_t>(token);
        if ((e.kind == GrammarElementKind::Token && same) || (e.kind == GrammarElementKind::NotToken && !same)) follow(n, next);
    }
    return intern(next);
}

uint32_t GrammarAutomaton::merge(uint32_t a, uint32_t b) {
    if (a == DEAD || a == b) return b;
    if (b == DEAD) return a;
    std::vector<uint32_t> both(state_pool_.begin() + state_begin_[a], state_pool_.begin() + state_begin_[a + 1]);
    both.insert(both.end(), state_pool_.begin() + state_begin_[b], state_pool_.begin() + state_begin_[b + 1]);
    return intern(both);
}

bool GrammarAutomaton::may_complete(uint32_t state, const Utf8Partial & partial) const {
    uint32_t low = 0, high = 0;
    if (!utf8_partial_range(partial, low, high)) return false;
    for (uint32_t i = state_begin_[state]; i < state_begin_[state + 1]; i++) {
        const uint32_t n = state_pool_[i];
        if (n == 0) continue;
        const GrammarElement & e = rules_->elements[nodes_[n].pos];
        if (e.kind == GrammarElementKind::Chars && rules_->classes[e.value].may_match_in(low, high)) return true;
    }
    return false;
}

const std::vector<uint64_t> & GrammarAutomaton::allowed(uint32_t state, const Utf8Partial & partial) {
    const bool boundary = partial.remain <= 0;
    if (boundary) {
        const auto cached = masks_.find(state);
        if (cached != masks_.end()) return cached->second;
    }
    const TokenTrie & vocab = *vocabulary_;
    std::vector<uint64_t> & bits = scratch_mask_;
    bits.assign((vocab.n_vocab() + 63) / 64, 0);
    const auto set = [&](Token t) { bits[static_cast<size_t>(t) >> 6] |= uint64_t(1) << (t & 63); };
    if (can_end(state)) {
        for (Token t : vocab.eog_tokens()) set(t);
    }
    if (boundary && (flags_[state] & HAS_TOKENS)) {
        for (uint32_t i = state_begin_[state]; i < state_begin_[state + 1]; i++) {
            const uint32_t n = state_pool_[i];
            if (n == 0) continue;
            const GrammarElement & e = rules_->elements[nodes_[n].pos];
            if (e.kind == GrammarElementKind::Token && !vocab.is_eog(static_cast<Token>(e.value)) && !vocab.piece(static_cast<Token>(e.value)).empty())
                set(static_cast<Token>(e.value));
            if (e.kind == GrammarElementKind::NotToken) {
                for (Token t : vocab.text_tokens()) {
                    if (static_cast<uint32_t>(t) != e.value) set(t);
                }
            }
        }
    }
    if ((flags_[state] & HAS_CHARS) || !boundary) walk_trie(state, partial, bits);
    if (!boundary) return bits;
    if (mask_bytes_ + bits.size() * sizeof(uint64_t) > MAX_MASK_BYTES) {
        masks_.clear();
        mask_bytes_ = 0;
    }
    mask_bytes_ += bits.size() * sizeof(uint64_t);
    const std::vector<uint64_t> & stored = masks_.emplace(state, bits).first->second;
    check_limits();
    return stored;
}

void GrammarAutomaton::walk_trie(uint32_t state, const Utf8Partial & partial, std::vector<uint64_t> & bits) {
    struct Frame {
        uint32_t state;
        Utf8Partial utf8;
    };
    const TokenTrie & trie = *vocabulary_;
    std::vector<Frame> frames(trie.max_depth() + 1);
    frames[0] = {state, partial};
    if (frames[0].utf8.remain < 0) frames[0].utf8.remain = 0;
    // The characters that lead from `state` back to itself (a JSON string's: nearly all): a subtree
    // made only of them, entered from `state`, is every token of it allowed, without walking it.
    uint64_t loop_ascii[2] = {0, 0};
    bool loop_wide = false;
    if (flags_[state] & HAS_CHARS) {
        for (uint32_t cp = 0; cp < 128; cp++) {
            if (step(state, cp) == state) loop_ascii[cp >> 6] |= uint64_t(1) << (cp & 63);
        }
        loop_wide = (flags_[state] & HAS_WIDE) && step(state, 0x100) == state && wide_step_[state] == state;
    }
    const size_t n = trie.size();
    for (size_t i = 1; i < n;) {
        Frame f = frames[trie.depth(i) - 1];
        if (f.state == state && f.utf8.remain == 0) {
            const uint64_t * below = trie.ascii_below(i);
            if ((below[0] & ~loop_ascii[0]) == 0 && (below[1] & ~loop_ascii[1]) == 0 && (!trie.wide_below(i) || (loop_wide && trie.valid_below(i)))) {
                for (const Token * t = trie.subtree_tokens_begin(i); t != trie.subtree_tokens_end(i); t++)
                    bits[static_cast<size_t>(*t) >> 6] |= uint64_t(1) << (*t & 63);
                i = trie.subtree_end(i);
                continue;
            }
        }
        // A character beyond ASCII begins where no stack takes one: nothing below can match.
        if (trie.byte(i) >= 0x80 && f.utf8.remain == 0 && !(flags_[f.state] & HAS_WIDE)) {
            i = trie.subtree_end(i);
            continue;
        }
        const Utf8Step r = utf8_step(f.utf8, trie.byte(i));
        if (r == Utf8Step::CodePoint) f.state = step(f.state, f.utf8.value);
        if (r == Utf8Step::Invalid || f.state == DEAD) {
            i = trie.subtree_end(i);
            continue;
        }
        frames[trie.depth(i)] = f;
        Token t = trie.first_token(i);
        if (t != NO_TOKEN && (f.utf8.remain == 0 || may_complete(f.state, f.utf8))) {
            for (; t != NO_TOKEN; t = trie.next_same(t)) bits[static_cast<size_t>(t) >> 6] |= uint64_t(1) << (t & 63);
        }
        i++;
    }
}

void GrammarAutomaton::refuse(const std::string & what) {
    spent_.store(true);
    throw Error(codes::INVALID_GRAMMAR, "the grammar is too ambiguous or too deeply nested to follow (" + what + ")");
}

void GrammarAutomaton::check_limits() {
    const size_t bytes = nodes_.size() * sizeof(StackNode) + node_ids_.bytes() + follow_pool_.size() * 4 + follow_begin_.size() * 8 + state_pool_.size() * 4 +
                         state_begin_.size() * 9 + state_ids_.size() * 32 + steps_.bytes() + ascii_steps_.size() * 4 + mask_bytes_;
    footprint_.store(bytes, std::memory_order_relaxed);
    if (follow_pool_.size() > MAX_STATE_POOL) refuse("more than " + std::to_string(MAX_STATE_POOL) + " expanded stacks");
    if (bytes > MAX_FOOTPRINT) refuse("its caches passed " + std::to_string(MAX_FOOTPRINT >> 20) + " MiB");
}

}  // namespace fathom
