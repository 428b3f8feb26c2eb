// See grammar-rules.h. Every walk here is iterative: a hostile grammar may chain
// thousands of rules, and the JS thread's stack must not be what limits it.
#include "grammar-rules.h"

#include <algorithm>

#include "error.h"

namespace fathom {

constexpr uint32_t MAX_CODE_POINT = 0x10FFFF;

CharClass::CharClass(std::vector<CharRange> ranges, bool negated) : ranges_(std::move(ranges)), negated_(negated) {
    std::sort(ranges_.begin(), ranges_.end(), [](const CharRange & a, const CharRange & b) { return a.first < b.first; });
    std::vector<CharRange> merged;
    for (const CharRange & r : ranges_) {
        if (!merged.empty() && r.first <= merged.back().last + 1) {
            merged.back().last = std::max(merged.back().last, r.last);
        } else {
            merged.push_back(r);
        }
    }
    ranges_ = std::move(merged);
    for (uint32_t cp = 0; cp < 128; cp++) {
        bool in = false;
        for (const CharRange & r : ranges_) in = in || (r.first <= cp && cp <= r.last);
        if (in != negated_) ascii_[cp >> 6] |= uint64_t(1) << (cp & 63);
    }
}

bool CharClass::matches(uint32_t cp) const {
    if (cp < 128) return (ascii_[cp >> 6] >> (cp & 63)) & 1;
    // The first range that ends at or after cp.
    const auto it = std::lower_bound(ranges_.begin(), ranges_.end(), cp, [](const CharRange & r, uint32_t c) { return r.last < c; });
    const bool in = it != ranges_.end() && it->first <= cp;
    return in != negated_;
}

bool CharClass::may_match_in(uint32_t low, uint32_t high) const {
    for (const CharRange & r : ranges_) {
        if (r.first <= high && low <= r.last) return !negated_;
    }
    return negated_;
}

bool CharClass::accepts_any_in(uint32_t low, uint32_t high) const {
    if (!negated_) return may_match_in(low, high);
    // Negated: some code point of [low, high] is outside every (sorted, merged) range.
    uint32_t next = low;
    for (const CharRange & r : ranges_) {
        if (r.last < next) continue;
        if (r.first > next) return true;
        if (r.last >= high) return false;
        next = r.last + 1;
    }
    return next <= high;
}

bool CharClass::rejects_any_in(uint32_t low, uint32_t high) const {
    // A code point of [low, high] that does not match: the same question for the opposite class.
    return CharClass(ranges_, !negated_).accepts_any_in(low, high);
}

bool CharClass::empty() const {
    if (!negated_) return ranges_.empty();
    return ranges_.size() == 1 && ranges_[0].first == 0 && ranges_[0].last >= MAX_CODE_POINT;
}

namespace {

Error invalid(const std::string & message) { return Error(codes::INVALID_GRAMMAR, message); }

std::string rule_name(const GrammarRules & g, uint32_t rule) {
    return rule < g.names.size() && !g.names[rule].empty() ? "'" + g.names[rule] + "'" : "#" + std::to_string(rule);
}

void check_indices(const GrammarRules & g, uint32_t n_vocab) {
    const size_t n_rules = g.alternatives.size();
    if (n_rules == 0) throw invalid("the grammar has no rules");
    if (g.root >= n_rules) throw invalid("the root rule is not defined");
    for (uint32_t r = 0; r < n_rules; r++) {
        if (g.alternatives[r].empty()) throw invalid("rule " + rule_name(g, r) + " has no alternative");
        for (uint32_t start : g.alternatives[r]) {
            size_t i = start;
            for (; i < g.elements.size() && g.elements[i].kind != GrammarElementKind::End; i++) {}
            if (i >= g.elements.size()) throw invalid("an alternative of rule " + rule_name(g, r) + " does not end");
        }
    }
    for (const GrammarElement & e : g.elements) {
        switch (e.kind) {
            case GrammarElementKind::Chars:
                if (e.value >= g.classes.size()) throw invalid("a character class index is out of range");
                break;
            case GrammarElementKind::Token:
            case GrammarElementKind::NotToken:
                if (e.value >= n_vocab) throw invalid("token id " + std::to_string(e.value) + " is not in the vocabulary");
                break;
            case GrammarElementKind::Rule:
                if (e.value >= n_rules) throw invalid("a rule reference is out of range");
                break;
            case GrammarElementKind::End:
                break;
            default:
                throw invalid("unknown grammar element kind");
        }
    }
}

// Rules that can match some string at all: a worklist over "alternatives still waiting on a rule",
// linear in the grammar (a chain of rules defined in reverse order must not cost a pass each).
std::vector<bool> productive_rules(const GrammarRules & g) {
    const size_t n_rules = g.alternatives.size();
    std::vector<bool> productive(n_rules, false);
    struct Alternative {
        uint32_t rule;
        uint32_t waiting;  // references to rules not yet known productive
    };
    std::vector<Alternative> alternatives;
    std::vector<std::vector<uint32_t>> waiting_on(n_rules);  // rule -> alternatives that reference it
    std::vector<uint32_t> ready;
    for (uint32_t r = 0; r < n_rules; r++) {
        for (uint32_t start : g.alternatives[r]) {
            const uint32_t a = static_cast<uint32_t>(alternatives.size());
            alternatives.push_back({r, 0});
            bool possible = true;
            for (size_t i = start; g.elements[i].kind != GrammarElementKind::End; i++) {
                const GrammarElement & e = g.elements[i];
                if (e.kind == GrammarElementKind::Chars && g.classes[e.value].empty()) possible = false;
                if (e.kind == GrammarElementKind::Rule) {
                    waiting_on[e.value].push_back(a);
                    alternatives[a].waiting++;
                }
            }
            if (!possible) alternatives[a].waiting = UINT32_MAX;  // never completes
            if (alternatives[a].waiting == 0) ready.push_back(r);
        }
    }
    while (!ready.empty()) {
        const uint32_t r = ready.back();
        ready.pop_back();
        if (productive[r]) continue;
        productive[r] = true;
        for (uint32_t a : waiting_on[r]) {
            if (alternatives[a].waiting != UINT32_MAX && --alternatives[a].waiting == 0) ready.push_back(alternatives[a].rule);
        }
    }
    return productive;
}

// A rule reached again at the start of itself, without consuming a character, would expand forever.
// As llama.cpp decides it (so the same grammars are refused): a leading reference is looked past
// when its rule has an empty alternative. Subtler cycles through rules that only match nothing
// indirectly are caught when expanded (GrammarAutomaton bounds every expansion).
void check_left_recursion(const GrammarRules & g) {
    const size_t n_rules = g.alternatives.size();
    std::vector<bool> has_empty(n_rules, false);
    for (uint32_t r = 0; r < n_rules; r++) {
        for (uint32_t start : g.alternatives[r]) has_empty[r] = has_empty[r] || g.elements[start].kind == GrammarElementKind::End;
    }
    // starts[r]: the rules r may begin with (each alternative's leading references, past those with an empty alternative).
    std::vector<std::vector<uint32_t>> starts(n_rules);
    for (uint32_t r = 0; r < n_rules; r++) {
        for (uint32_t start : g.alternatives[r]) {
            for (size_t i = start; g.elements[i].kind == GrammarElementKind::Rule; i++) {
                starts[r].push_back(g.elements[i].value);
                if (!has_empty[g.elements[i].value]) break;
            }
        }
    }
    enum : uint8_t { unseen, open, done };
    std::vector<uint8_t> mark(n_rules, unseen);
    std::vector<std::pair<uint32_t, size_t>> path;  // (rule, next edge to follow)
    for (uint32_t first = 0; first < n_rules; first++) {
        if (mark[first] != unseen) continue;
        path.push_back({first, 0});
        mark[first] = open;
        while (!path.empty()) {
            auto & [rule, edge] = path.back();
            if (edge == starts[rule].size()) {
                mark[rule] = done;
                path.pop_back();
                continue;
            }
            const uint32_t next = starts[rule][edge++];
            if (mark[next] == open) throw invalid("rule " + rule_name(g, next) + " is left-recursive (it can start with itself)");
            if (mark[next] == unseen) {
                mark[next] = open;
                path.push_back({next, 0});
            }
        }
    }
}

}  // namespace

void check_grammar_rules(const GrammarRules & g, uint32_t n_vocab) {
    check_indices(g, n_vocab);
    check_left_recursion(g);
    if (!productive_rules(g)[g.root]) throw invalid("the grammar matches no text: rule " + rule_name(g, g.root) + " can never be completed");
}

}  // namespace fathom
