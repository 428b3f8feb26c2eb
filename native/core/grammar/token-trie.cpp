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
    // Built column by column, then packed into one record per node (a walk reads them together).
    std::vector<uint8_t> bytes_{0};
    std::vector<uint32_t> depths_{0};
    std::vector<Token> first_token_{NO_TOKEN};
    std::vector<Token> next_same_(n, NO_TOKEN);
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
    std::vector<uint32_t> subtree_end_(bytes_.size(), static_cast<uint32_t>(bytes_.size()));
    std::vector<uint32_t> open;
    for (uint32_t i = 0; i < bytes_.size(); i++) {
        while (!open.empty() && depths_[open.back()] >= depths_[i]) {
            subtree_end_[open.back()] = i;
            open.pop_back();
        }
        open.push_back(i);
    }

    // What each subtree holds, for walks that take a whole subtree at once: its ASCII bytes, whether it
    // has other bytes, whether all its tokens are valid UTF-8, how deep it goes, and its tokens in preorder.
    const size_t n_nodes = bytes_.size();
    std::vector<std::array<uint64_t, 2>> ascii_below_(n_nodes, {0, 0});
    std::vector<bool> wide_below_(n_nodes, false), valid_below_(n_nodes, true);
    std::vector<uint32_t> heights_(n_nodes, 1);
    child_ascii_.assign(n_nodes, {0, 0});
    std::vector<uint32_t> token_begin_(n_nodes + 1, 0);
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
    // Children in preorder are in byte order (pieces were sorted as unsigned bytes).
    child_begin_.assign(n_nodes + 1, 0);
    for (uint32_t i = 1; i < n_nodes; i++) child_begin_[parent[i] + 1]++;
    for (size_t i = 0; i < n_nodes; i++) child_begin_[i + 1] += child_begin_[i];
    children_.resize(n_nodes > 0 ? n_nodes - 1 : 0);
    std::vector<uint32_t> filled(child_begin_.begin(), child_begin_.end() - 1);
    for (uint32_t i = 1; i < n_nodes; i++) children_[filled[parent[i]]++] = i;
    for (uint32_t i = static_cast<uint32_t>(n_nodes); i-- > 1;) {
        const uint8_t b = bytes_[i];
        if (b < 0x80)
            ascii_below_[i][b >> 6] |= uint64_t(1) << (b & 63);
        else
            wide_below_[i] = true;
        for (Token t = first_token_[i]; t != NO_TOKEN; t = next_same_[t]) valid_below_[i] = valid_below_[i] && valid_utf8(piece(t));
        const uint32_t up = parent[i];
        if (b < 0x80) child_ascii_[up][b >> 6] |= uint64_t(1) << (b & 63);
        ascii_below_[up][0] |= ascii_below_[i][0];
        ascii_below_[up][1] |= ascii_below_[i][1];
        wide_below_[up] = wide_below_[up] || wide_below_[i];
        valid_below_[up] = valid_below_[up] && valid_below_[i];
        heights_[up] = std::max(heights_[up], heights_[i] + 1);
    }
    nodes_ = BigArray<Node>(n_nodes);
    for (size_t i = 0; i < n_nodes; i++) {
        Node & node = nodes_[i];
        node.ascii_below[0] = ascii_below_[i][0];
        node.ascii_below[1] = ascii_below_[i][1];
        node.subtree_end = subtree_end_[i];
        node.token_begin = token_begin_[i];
        node.token_count = token_begin_[i + 1] - token_begin_[i];
        node.depth = depths_[i];
        node.height = heights_[i];
        node.byte = bytes_[i];
        node.wide_below = wide_below_[i];
        node.valid_below = valid_below_[i];
    }
}

bool TokenTrie::valid_utf8(std::string_view text) {
    Utf8Partial p;
    for (char c : text) {
        if (utf8_step(p, static_cast<uint8_t>(c)) == Utf8Step::Invalid) return false;
    }
    uint32_t low = 0, high = 0;
    return p.remain == 0 || utf8_partial_range(p, low, high);
}

std::string_view TokenTrie::piece(Token t) const {
    const char * start = reinterpret_cast<const char *>(pieces_.data()) + offsets_[t];
    const size_t size = offsets_[t + 1] - offsets_[t];
    const void * nul = std::memchr(start, 0, size);
    return {start, nul ? static_cast<size_t>(static_cast<const char *>(nul) - start) : size};
}

}  // namespace fathom
