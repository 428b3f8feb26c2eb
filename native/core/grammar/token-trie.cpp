// See token-trie.h.
#include "token-trie.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "error.h"
#include "utf8-partial.h"

namespace fathom {

TokenTrie::TokenTrie(std::vector<uint8_t> pieces, std::vector<uint32_t> offsets, const std::vector<Token> & eog)
    : pieces_(std::move(pieces)), offsets_(std::move(offsets)) {
    if (offsets_.empty() || offsets_.front() != 0) throw Error(codes::INVALID_ARGUMENT, "token piece offsets must start at 0");
    for (size_t i = 1; i < offsets_.size(); i++) {
        if (offsets_[i] < offsets_[i - 1] || offsets_[i] > pieces_.size()) throw Error(codes::INVALID_ARGUMENT, "token piece offsets must be ascending");
    }
    const uint32_t n = n_vocab();
    eog_.assign(n, false);
    for (Token t : eog) {
        if (t < 0 || static_cast<uint32_t>(t) >= n) throw Error(codes::INVALID_ARGUMENT, "an end-of-generation token is out of the vocabulary");
        if (!eog_[t]) eog_list_.push_back(t);
        eog_[t] = true;
    }
    for (Token t = 0; static_cast<uint32_t>(t) < n; t++) {
        if (!eog_[t] && !piece(t).empty()) text_tokens_.push_back(t);
    }

    // Sorted by bytes, a token's nodes are the part of its piece it does not share with the previous one.
    std::vector<Token> order = text_tokens_;
    std::sort(order.begin(), order.end(), [&](Token a, Token b) { return piece(a) < piece(b); });
    bytes_.push_back(0);
    depths_.push_back(0);
    first_token_.push_back(NO_TOKEN);
    next_same_.assign(n, NO_TOKEN);
    std::vector<uint32_t> path{0};  // path[d]: the node at depth d on the previous token's path
    std::string_view previous;
    for (Token t : order) {
        const std::string_view p = piece(t);
        size_t common = 0;
        while (common < p.size() && common < previous.size() && p[common] == previous[common]) common++;
        path.resize(common + 1);
        for (size_t d = common; d < p.size(); d++) {
            path.push_back(static_cast<uint32_t>(bytes_.size()));
            bytes_.push_back(static_cast<uint8_t>(p[d]));
            depths_.push_back(static_cast<uint32_t>(d + 1));
            first_token_.push_back(NO_TOKEN);
        }
        // Equal pieces share a node: chain them.
        const uint32_t node = path.back();
        next_same_[t] = first_token_[node];
        first_token_[node] = t;
        max_depth_ = std::max(max_depth_, static_cast<uint32_t>(p.size()));
        previous = p;
    }
    // A subtree ends at the next node that is not deeper.
    subtree_end_.assign(bytes_.size(), static_cast<uint32_t>(bytes_.size()));
    std::vector<uint32_t> open;
    for (uint32_t i = 0; i < bytes_.size(); i++) {
        while (!open.empty() && depths_[open.back()] >= depths_[i]) {
            subtree_end_[open.back()] = i;
            open.pop_back();
        }
        open.push_back(i);
    }

    // What each subtree holds, for walks that take a whole subtree at once: its ASCII bytes, whether it
    // has other bytes, whether all its tokens are whole valid UTF-8, and its tokens in preorder.
    const size_t n_nodes = bytes_.size();
    ascii_below_.assign(n_nodes, {0, 0});
    wide_below_.assign(n_nodes, false);
    valid_below_.assign(n_nodes, true);
    token_begin_.assign(n_nodes + 1, 0);
    for (uint32_t i = 0; i < n_nodes; i++) {
        token_begin_[i] = static_cast<uint32_t>(token_order_.size());
        for (Token t = first_token_[i]; t != NO_TOKEN; t = next_same_[t]) token_order_.push_back(t);
    }
    token_begin_[n_nodes] = static_cast<uint32_t>(token_order_.size());
    // Children come after their parent in preorder: fold each node into its parent, last first.
    std::vector<uint32_t> parent(n_nodes, 0);
    std::vector<uint32_t> stack{0};
    for (uint32_t i = 1; i < n_nodes; i++) {
        while (depths_[stack.back()] >= depths_[i]) stack.pop_back();
        parent[i] = stack.back();
        stack.push_back(i);
    }
    for (uint32_t i = static_cast<uint32_t>(n_nodes); i-- > 1;) {
        const uint8_t b = bytes_[i];
        if (b < 0x80)
            ascii_below_[i][b >> 6] |= uint64_t(1) << (b & 63);
        else
            wide_below_[i] = true;
        for (Token t = first_token_[i]; t != NO_TOKEN; t = next_same_[t]) valid_below_[i] = valid_below_[i] && whole_utf8(piece(t));
        const uint32_t up = parent[i];
        ascii_below_[up][0] |= ascii_below_[i][0];
        ascii_below_[up][1] |= ascii_below_[i][1];
        wide_below_[up] = wide_below_[up] || wide_below_[i];
        valid_below_[up] = valid_below_[up] && valid_below_[i];
    }
}

bool TokenTrie::whole_utf8(std::string_view text) {
    Utf8Partial p;
    for (char c : text) {
        if (utf8_step(p, static_cast<uint8_t>(c)) == Utf8Step::Invalid) return false;
    }
    return p.remain == 0;
}

std::string_view TokenTrie::piece(Token t) const {
    const char * start = reinterpret_cast<const char *>(pieces_.data()) + offsets_[t];
    const size_t size = offsets_[t + 1] - offsets_[t];
    const void * nul = std::memchr(start, 0, size);
    return {start, nul ? static_cast<size_t>(static_cast<const char *>(nul) - start) : size};
}

}  // namespace fathom
