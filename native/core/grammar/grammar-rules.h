// A grammar as the engine runs it: rules of alternatives, each a run of elements ending
// in End, over Unicode code points and whole tokens. Built from GBNF by src/grammar/
// (which reports syntax errors); check_grammar_rules refuses what the engine could not
// run safely (undefined rules, left recursion, an empty language) before any matching.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fathom {

enum class GrammarElementKind : uint8_t {
    Chars = 0,     // one code point from a character class: value = class index
    Token = 1,     // exactly this token: value = token id
    NotToken = 2,  // any one token but this one: value = token id
    Rule = 3,      // a reference: value = rule index
    End = 4,       // the end of an alternative
};

struct GrammarElement {
    GrammarElementKind kind;
    uint32_t value;
};

struct CharRange {
    uint32_t first, last;  // inclusive code points
};

// A set of code points: ranges (sorted and merged once built), maybe negated.
class CharClass {
public:
    CharClass(std::vector<CharRange> ranges, bool negated);
    bool matches(uint32_t cp) const;
    // Could some code point in [low, high] match? (llama.cpp's test for a token that ends in part of a
    // character: a negated class refuses as soon as an excluded range overlaps.)
    bool may_match_in(uint32_t low, uint32_t high) const;
    bool empty() const;  // matches no code point at all
    // Does some code point in [low, high] match (exactly, unlike may_match_in)?
    bool accepts_any_in(uint32_t low, uint32_t high) const;
    // Does some code point in [low, high] not match?
    bool rejects_any_in(uint32_t low, uint32_t high) const;

private:
    std::vector<CharRange> ranges_;
    bool negated_;
    uint64_t ascii_[2] = {0, 0};  // matches() for code points < 128, precomputed
};

struct GrammarRules {
    std::vector<GrammarElement> elements;
    std::vector<CharClass> classes;
    std::vector<std::vector<uint32_t>> alternatives;  // per rule: the element index each alternative starts at
    std::vector<std::string> names;                   // per rule, for messages
    uint32_t root = 0;
};

// Throws Error(INVALID_GRAMMAR) naming the rule when: an index is out of range, an alternative runs
// off the elements, a rule has no alternative, a rule is left-recursive (directly or through rules
// that have an empty alternative, as llama.cpp decides it), or the root can match no text at all.
void check_grammar_rules(const GrammarRules & rules, uint32_t n_vocab);

}  // namespace fathom
