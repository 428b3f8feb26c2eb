// See grammar-automaton.h. Stack semantics follow llama.cpp's grammar: a reference that ends
// its alternative does not push a return (so right recursion does not grow stacks), a stack
// that empties may end the grammar, and token elements only match a whole token.
#include "grammar-automaton.h"

#include <algorithm>

#include "error.h"
#include "token-mask.h"

namespace fathom {

namespace {

// Past these, a grammar is refused (too ambiguous or too deeply nested to run in bounded memory).
constexpr size_t MAX_NODES = size_t(1) << 22;
constexpr size_t MAX_STATE_POOL = size_t(1) << 25;
constexpr size_t MAX_EXPANSION = 200000;  // stacks visited expanding one position
constexpr size_t MAX_MASK_BYTES = size_t(64) << 20;
constexpr size_t MAX_FOOTPRINT = size_t(1) << 30;  // every cache together
constexpr uint32_t NO_POS = UINT32_MAX;
constexpr uint32_t MANY_CHILDREN = 16;        // a trie node with this many children has its state's characters looked at once
constexpr uint32_t MAX_SELECTIVE_DEPTH = 64;  // and below this depth only (each level there is a call deeper)

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
    runs_.emplace_back();
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
    runs_.emplace_back();
    state_ids_.emplace(hash, id);
    check_limits();
    return id;
}

uint32_t GrammarAutomaton::compute_step(uint32_t state, uint32_t cp) {
    if (!(flags_[state] & HAS_CHARS)) return DEAD;
    const uint32_t first = state_begin_[state], last = state_begin_[state + 1];
    const auto takes = [&](const GrammarElement & e) { return e.kind == GrammarElementKind::Chars && rules_->classes[e.value].matches(cp); };
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
        for (uint32_t i = first; small && i < last; i++) {
            const uint32_t n = state_pool_[i];
            signature |= static_cast<uint32_t>(n != 0 && takes(rules_->elements[nodes_[n].pos])) << (i - first);
        }
        if (small && signature == 0) return DEAD;
        key = pair_key(state, small ? 0x80000000u | signature : cp);
        const uint32_t known = steps_.find(key);
        if (known != FlatMap64::MISSING) return known;
    }
    const uint32_t result = advance(state, takes);
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
    return advance(state, [&](const GrammarElement & e) {
        const bool same = e.value == static_cast<uint32_t>(token);
        return (e.kind == GrammarElementKind::Token && same) || (e.kind == GrammarElementKind::NotToken && !same);
    });
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
    const auto set = [&](Token t) { add_to_mask(bits, static_cast<size_t>(t)); };
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

void GrammarAutomaton::compute_run_chars(uint32_t state) {
    // Which next state each ASCII character leads to (step() may add states: no references into runs_).
    uint32_t targets[128];
    for (uint32_t cp = 0; cp < 128; cp++) targets[cp] = step(state, cp);
    uint32_t next = DEAD, best = 0;
    for (uint32_t cp = 0; cp < 128 && next != state; cp++) {
        if (targets[cp] == DEAD || targets[cp] == next) continue;
        const uint32_t count = static_cast<uint32_t>(std::count(targets, targets + 128, targets[cp]));
        if (targets[cp] == state || count > best) {
            next = targets[cp];
            best = count;
        }
    }
    const bool wide = next != DEAD && (flags_[state] & HAS_WIDE) && step(state, 0x100) == next && wide_step_[state] == next;
    Run & run = runs_[state];
    for (uint32_t cp = 0; cp < 128; cp++) {
        if (targets[cp] != DEAD) run.live[cp >> 6] |= uint64_t(1) << (cp & 63);
        if (next != DEAD && targets[cp] == next) run.ascii[cp >> 6] |= uint64_t(1) << (cp & 63);
    }
    run.wide = wide;
    run.next = next;
}

uint32_t GrammarAutomaton::run_length(uint32_t state) {
    if (runs_[state].next == UNKNOWN) compute_run_chars(state);
    if (runs_[state].length != UNKNOWN) return runs_[state].length;
    // Follow the run while each state on it takes the first state's characters to a single next state.
    const uint32_t limit = vocabulary_->max_depth();
    uint32_t length = 0;
    for (uint32_t at = state; length < limit;) {
        if (runs_[at].next == UNKNOWN) compute_run_chars(at);
        const Run & here = runs_[at];
        const Run & first = runs_[state];
        const bool takes_all = (first.ascii[0] & ~here.ascii[0]) == 0 && (first.ascii[1] & ~here.ascii[1]) == 0 && (!first.wide || here.wide);
        if (here.next == DEAD || !takes_all) break;
        if (here.next == at) {
            length = RUN_UNBOUNDED;
            break;
        }
        length++;
        at = here.next;
    }
    runs_[state].length = length >= limit ? RUN_UNBOUNDED : length;
    return runs_[state].length;
}

void GrammarAutomaton::walk_trie(uint32_t state, const Utf8Partial & partial, std::vector<uint64_t> & bits) {
    const TokenTrie & trie = *vocabulary_;
    frames_.resize(trie.max_depth() + 1);
    frames_[0] = {state, partial};
    if (frames_[0].utf8.remain < 0) frames_[0].utf8.remain = 0;
    walk_nodes(1, trie.size(), state, bits);
}

void GrammarAutomaton::walk_nodes(size_t begin, size_t end, uint32_t root, std::vector<uint64_t> & bits) {
    const TokenTrie & trie = *vocabulary_;
    const auto allow = [&](Token t) { add_to_mask(bits, static_cast<size_t>(t)); };
    for (size_t i = begin; i < end;) {
        Frame f = frames_[trie.depth(i) - 1];
        // A subtree within the run of the state it is entered from is allowed whole. Runs are computed
        // for the walk's own state; deeper, for the states already on some run. Inside a character the
        // trie began (not one an earlier token left open), its completion is one more step of the run:
        // the subtree's bytes are then >= 0x80, so the run must take every such character alike.
        if ((f.utf8.remain == 0 || frames_[0].utf8.remain == 0) && (f.state == root || runs_[f.state].next != UNKNOWN) &&
            run_length(f.state) >= trie.height(i)) {
            const Run & run = runs_[f.state];
            const uint64_t * below = trie.ascii_below(i);
            if ((below[0] & ~run.ascii[0]) == 0 && (below[1] & ~run.ascii[1]) == 0 && (!trie.wide_below(i) || (run.wide && trie.valid_below(i)))) {
                for (const Token * t = trie.subtree_tokens_begin(i); t != trie.subtree_tokens_end(i); t++) allow(*t);
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
        frames_[trie.depth(i)] = f;
        const Token * here = trie.node_tokens_begin(i);
        if (here != trie.node_tokens_end(i) && (f.utf8.remain == 0 || may_complete(f.state, f.utf8))) {
            for (; here != trie.node_tokens_end(i); here++) allow(*here);
        }
        // Many children, few of whose characters the state takes (a bounded string's last position takes
        // only a quote): walk just those children, found by their byte, rather than try every one.
        if (f.utf8.remain == 0 && trie.child_count(i) >= MANY_CHILDREN && trie.depth(i) < MAX_SELECTIVE_DEPTH) {
            if (runs_[f.state].next == UNKNOWN) compute_run_chars(f.state);
            const uint64_t * children = trie.child_ascii(i);
            const uint64_t taken[2] = {children[0] & runs_[f.state].live[0], children[1] & runs_[f.state].live[1]};
            const bool wide = trie.child_wide(i) && (flags_[f.state] & HAS_WIDE);
            if (!wide && static_cast<uint32_t>(__builtin_popcountll(taken[0]) + __builtin_popcountll(taken[1])) * 4 <= trie.child_count(i)) {
                for (uint32_t b = 0; b < 128; b++) {
                    if (!(taken[b >> 6] >> (b & 63) & 1)) continue;
                    const uint32_t c = trie.child(i, static_cast<uint8_t>(b));
                    walk_nodes(c, trie.subtree_end(c), root, bits);
                }
                i = trie.subtree_end(i);
                continue;
            }
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
                         state_begin_.size() * (13 + sizeof(Run)) + state_ids_.size() * 32 + steps_.bytes() + ascii_steps_.size() * 4 + mask_bytes_;
    footprint_.store(bytes, std::memory_order_relaxed);
    if (follow_pool_.size() > MAX_STATE_POOL) refuse("more than " + std::to_string(MAX_STATE_POOL) + " expanded stacks");
    if (bytes > MAX_FOOTPRINT) refuse("its caches passed " + std::to_string(MAX_FOOTPRINT >> 20) + " MiB");
}

}  // namespace fathom
