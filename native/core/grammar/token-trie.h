// The vocabulary as the grammar engine sees it: each token's bytes (special tokens spelled out,
// as llama.cpp's grammar sees them) and a byte trie over them, stored in preorder so a walk can
// skip a whole subtree (every token sharing a refused prefix) in one step. Built once per model
// and shared by every grammar compiled for it; read-only after construction.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "big-array.h"
#include "token.h"

namespace fathom {

class TokenTrie {
public:
    // pieces: every token's bytes back to back, offsets[t]..offsets[t+1]; eog: the end-of-generation tokens.
    TokenTrie(std::vector<uint8_t> pieces, std::vector<uint32_t> offsets, const std::vector<Token> & eog);

    uint32_t n_vocab() const { return static_cast<uint32_t>(offsets_.size() - 1); }
    // A token's bytes up to its first NUL byte (llama.cpp reads pieces as C strings).
    std::string_view piece(Token t) const;
    bool is_eog(Token t) const { return eog_[static_cast<size_t>(t)]; }
    // Tokens a grammar can never produce: empty pieces and pieces that begin with NUL (not end-of-generation).
    bool is_unmatchable(Token t) const { return piece(t).empty() && !is_eog(t); }
    const std::vector<Token> & eog_tokens() const { return eog_list_; }
    // Tokens that can be matched by text, i.e. have a piece and are not end-of-generation.
    const std::vector<Token> & text_tokens() const { return text_tokens_; }

    // Preorder nodes; node 0 is the root (no byte). subtree_end(i): the first node after i's subtree.
    size_t size() const { return nodes_.size(); }
    uint8_t byte(size_t i) const { return nodes_[i].byte; }
    uint32_t depth(size_t i) const { return nodes_[i].depth; }
    uint32_t subtree_end(size_t i) const { return nodes_[i].subtree_end; }
    // The tokens whose whole piece ends at node i (several when pieces are equal).
    const Token * node_tokens_begin(size_t i) const { return token_order_.data() + nodes_[i].token_begin; }
    const Token * node_tokens_end(size_t i) const { return token_order_.data() + nodes_[i].token_begin + nodes_[i].token_count; }
    uint32_t max_depth() const { return max_depth_; }
    // Over nodes [i, subtree_end(i)): the ASCII bytes there (a 128-bit set), whether other bytes are,
    // whether every token there is valid UTF-8 (its last character maybe unfinished, but still
    // finishable), and the tokens there (subtree_tokens(i)).
    const uint64_t * ascii_below(size_t i) const { return nodes_[i].ascii_below; }
    bool wide_below(size_t i) const { return nodes_[i].wide_below; }
    bool valid_below(size_t i) const { return nodes_[i].valid_below; }
    // The longest piece's bytes from node i down (1 for a leaf): a bound on the code points a token of
    // the subtree adds past its first i - 1 bytes.
    uint32_t height(size_t i) const { return nodes_[i].height; }
    // Node i's children, in byte order: how many, their ASCII bytes (a 128-bit set), whether any has
    // another byte, and the child with ASCII byte b (one in child_ascii).
    uint32_t child_count(size_t i) const { return child_begin_[i + 1] - child_begin_[i]; }
    const uint64_t * child_ascii(size_t i) const { return child_ascii_[i].data(); }
    bool child_wide(size_t i) const { return child_count(i) > ascii_children(i); }
    uint32_t child(size_t i, uint8_t b) const {
        const uint64_t * set = child_ascii_[i].data();
        const uint32_t rank = b < 64 ? __builtin_popcountll(set[0] & ((uint64_t(1) << b) - 1))
                                     : __builtin_popcountll(set[0]) + __builtin_popcountll(set[1] & ((uint64_t(1) << (b - 64)) - 1));
        return children_[child_begin_[i] + rank];
    }
    const Token * subtree_tokens_begin(size_t i) const { return node_tokens_begin(i); }
    const Token * subtree_tokens_end(size_t i) const {
        const uint32_t end = nodes_[i].subtree_end;
        return token_order_.data() + (end < nodes_.size() ? nodes_[end].token_begin : token_order_.size());
    }

private:
    static bool valid_utf8(std::string_view text);

    std::vector<uint8_t> pieces_;
    std::vector<uint32_t> offsets_;  // [n_vocab + 1]
    std::vector<bool> eog_;
    std::vector<Token> eog_list_, text_tokens_;
    // What a walk reads at each node, in one record (the walk jumps across subtrees: one cache miss, not six).
    struct Node {
        uint64_t ascii_below[2];
        uint32_t subtree_end;
        uint32_t token_begin, token_count;  // its tokens: token_order_[token_begin ..][.. token_count]
        uint32_t depth, height;
        uint8_t byte;
        bool wide_below, valid_below;
    };
    BigArray<Node> nodes_;
    uint32_t max_depth_ = 0;
    uint32_t ascii_children(size_t i) const { return __builtin_popcountll(child_ascii_[i][0]) + __builtin_popcountll(child_ascii_[i][1]); }
    std::vector<std::array<uint64_t, 2>> child_ascii_;
    std::vector<uint32_t> children_, child_begin_;  // node i's children: children_[child_begin_[i] .. child_begin_[i + 1])
    std::vector<Token> token_order_;                // tokens by their node, in preorder
};

}  // namespace fathom
