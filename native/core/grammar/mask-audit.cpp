// See mask-audit.h.
#include "mask-audit.h"

#include <random>

#include "grammar-matcher.h"

namespace fathom {

MaskAudit audit_masks(const std::shared_ptr<CompiledGrammar> & grammar, uint32_t seed, uint32_t steps) {
    MaskAudit audit;
    GrammarMatcher matcher(grammar, {});
    const TokenTrie & vocab = grammar->vocabulary();
    std::mt19937 random(seed);
    std::vector<uint64_t> bits;
    std::vector<Token> choices;
    for (; audit.steps < steps; audit.steps++) {
        for (Token t : matcher.mask_disagreements()) {
            audit.steps_of.push_back(audit.steps);
            audit.disagreements.push_back(t);
        }
        matcher.allowed(bits);
        choices.clear();
        for (Token t = 0; static_cast<uint32_t>(t) < vocab.n_vocab(); t++) {
            if ((bits[static_cast<size_t>(t) >> 6] >> (t & 63) & 1) && !vocab.is_eog(t)) choices.push_back(t);
        }
        if (choices.empty()) break;
        matcher.accept(choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(random)]);
    }
    return audit;
}

}  // namespace fathom
