// A check of the token masks against each token's own walk, for tests: the trie walk takes whole
// subtrees at once (runs, selective children), and must allow exactly the tokens the per-token check
// (the one the sampler uses for a drawn token) allows.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "compiled-grammar.h"
#include "token.h"

namespace fathom {

struct MaskAudit {
    uint32_t steps = 0;                // states checked
    std::vector<uint32_t> steps_of;    // per disagreement: the step it was found at
    std::vector<Token> disagreements;  // tokens allowed by one check and not the other
};

// Follows the grammar for up to `steps` tokens, each drawn at random (seeded) among those the mask
// allows (end-of-generation only when nothing else is), comparing the two checks at every state.
MaskAudit audit_masks(const std::shared_ptr<CompiledGrammar> & grammar, uint32_t seed, uint32_t steps);

}  // namespace fathom
