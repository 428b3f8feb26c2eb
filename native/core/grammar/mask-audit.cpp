// See mask-audit.h.
#include "mask-audit.h"

#include <random>

#include "grammar-matcher.h"
#include "token-mask.h"

namespace fathom {

MaskAudit audit_masks(const std::shared_ptr<CompiledGrammar> & grammar, uint32_t seed, uint32_t steps) {
    MaskAudit audit;
    GrammarMatcher matcher(grammar, {});
    const TokenTrie & vocab = grammar->vocabulary();
    std::mt19937 random(seed);
    std::vector<uint64_t> bits;
    std::vector<Token> choices;
    for (; audit.steps < steps; audit.steps++) {
        matcher.allowed(bits);
        choices.clear();
        for (Token t = 0; static_cast<uint32_t>(t) < vocab.n_vocab(); t++) {
            const bool allowed = in_mask(bits, static_cast<size_t>(t));
            if (matcher.allows(t) != allowed) {
                audit.steps_of.push_back(audit.steps);
                audit.disagreements.push_back(t);
            }
            if (allowed && !vocab.is_eog(t)) choices.push_back(t);
        }
        if (choices.empty()) break;
        matcher.accept(choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(random)]);
    }
    return audit;
}

}  // namespace fathom
