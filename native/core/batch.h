// A batch as the engine runs it: every token of every sequence input placed (its
// sequence, position, and whether its logits are wanted), then cut into graphs of
// at most n_batch tokens, each with the span of cache cells its attention reads.
// Computed once per batch; graphs, inputs and copy-out read it from here.
#pragma once

#include <cstdint>
#include <vector>

#include "token.h"

namespace fathom {

class KvCache;

// One sequence's part of a batch: tokens appended at its next positions.
struct SequenceInput {
    uint32_t seq = 0;
    std::vector<Token> tokens;
    bool all_logits = false;  // logits for every token (scoring) rather than the last only
};

// One token of a batch, placed.
struct TokenSlot {
    Token token;
    uint32_t seq, pos;
    bool output;  // its logits are wanted
};

// Cache cells first..first+n-1: what one graph's attention reads (masked per token).
struct KvSpan {
    uint32_t first = 0, n = 0;
};

// One graph's share of a batch: slots offset..offset+n_tokens-1.
struct GraphPiece {
    uint32_t offset = 0, n_tokens = 0;
    uint32_t n_outputs = 0;     // of its slots
    uint32_t first_output = 0;  // outputs of the batch before this piece (its logits rows start there)
    KvSpan span;
};

class Batch {
public:
    // Places each input's tokens after what its sequence holds (`cache`); first_row() is then the
    // first logits row of each input.
    void place(const std::vector<SequenceInput> & inputs, const KvCache & cache);
    // Places `tokens` at positions 0.. of `seq`, every one an output (an inspection pass).
    void place_from_start(uint32_t seq, const std::vector<Token> & tokens);
    // Cuts the placed tokens into graphs of at most `graph_tokens`. Sequences far apart in one
    // large graph would need a huge mask, so such a graph is split into one per sequence.
    void split(uint32_t graph_tokens, const KvCache & cache);

    const std::vector<TokenSlot> & slots() const { return slots_; }
    const std::vector<GraphPiece> & pieces() const { return pieces_; }
    const std::vector<uint32_t> & first_row() const { return first_row_; }
    uint32_t n_outputs() const { return n_outputs_; }

private:
    std::vector<TokenSlot> slots_;
    std::vector<GraphPiece> pieces_;
    std::vector<uint32_t> first_row_;
    uint32_t n_outputs_ = 0;
};

// The cells attention reads for `n` slots: from the first sequence's region to the end of the last one's tokens.
KvSpan kv_span(const TokenSlot * slots, uint32_t n, const KvCache & cache);

}  // namespace fathom
