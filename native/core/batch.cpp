// See batch.h.
#include "batch.h"

#include <algorithm>

#include "kv-cache.h"

namespace fathom {

void Batch::place(const std::vector<SequenceInput> & inputs, const KvCache & cache) {
    slots_.clear();
    first_row_.clear();
    n_outputs_ = 0;
    for (const SequenceInput & in : inputs) {
        first_row_.push_back(n_outputs_);
        const uint32_t used = cache.used(in.seq);
        for (size_t i = 0; i < in.tokens.size(); i++) {
            const bool output = in.all_logits || i + 1 == in.tokens.size();
            slots_.push_back(TokenSlot{in.tokens[i], in.seq, used + static_cast<uint32_t>(i), output});
            n_outputs_ += output;
        }
    }
}

void Batch::place_from_start(uint32_t seq, const std::vector<Token> & tokens) {
    slots_.clear();
    for (size_t i = 0; i < tokens.size(); i++) slots_.push_back(TokenSlot{tokens[i], seq, static_cast<uint32_t>(i), true});
    first_row_.assign(1, 0);
    n_outputs_ = static_cast<uint32_t>(tokens.size());
}

KvSpan kv_span(const TokenSlot * slots, uint32_t n, const KvCache & cache) {
    uint32_t first = UINT32_MAX, end = 0;
    for (uint32_t i = 0; i < n; i++) {
        first = std::min(first, cache.first_cell(slots[i].seq));
        end = std::max(end, cache.first_cell(slots[i].seq) + slots[i].pos + 1);
    }
    return KvSpan{first, end - first};
}

void Batch::split(uint32_t graph_tokens, const KvCache & cache) {
    constexpr uint64_t MAX_MASK_CELLS = uint64_t(1) << 24;  // 32 MiB of F16 mask
    pieces_.clear();
    uint32_t outputs_before = 0;
    const auto add = [&](uint32_t offset, uint32_t n, KvSpan span) {
        GraphPiece piece{offset, n, 0, outputs_before, span};
        for (uint32_t i = offset; i < offset + n; i++) piece.n_outputs += slots_[i].output;
        outputs_before += piece.n_outputs;
        pieces_.push_back(piece);
    };
    for (size_t offset = 0; offset < slots_.size(); offset += graph_tokens) {
        const auto start = static_cast<uint32_t>(offset);
        const auto n = static_cast<uint32_t>(std::min<size_t>(graph_tokens, slots_.size() - offset));
        const TokenSlot * slots = slots_.data() + start;
        const KvSpan span = kv_span(slots, n, cache);
        const bool one_sequence = std::all_of(slots, slots + n, [&](const TokenSlot & s) { return s.seq == slots[0].seq; });
        if (one_sequence || uint64_t(span.n) * n <= MAX_MASK_CELLS) {
            add(start, n, span);
            continue;
        }
        // Slots are grouped by sequence (each input's tokens are contiguous).
        for (uint32_t a = start; a < start + n;) {
            uint32_t b = a + 1;
            while (b < start + n && slots_[b].seq == slots_[a].seq) b++;
            add(a, b - a, kv_span(slots_.data() + a, b - a, cache));
            a = b;
        }
    }
}

}  // namespace fathom
