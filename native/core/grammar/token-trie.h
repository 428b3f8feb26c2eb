// The vocabulary as the grammar engine sees it: each token's bytes (special tokens spelled out,
// as llama.cpp's grammar sees them) and a byte trie over them, stored in preorder so a walk can
// skip a whole subtree (every token sharing a refused prefix) in one step. Built once per model
// and shared by every grammar compiled for it; read-only after construction.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

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
    size_t size() const { return bytes_.size(); }
    uint8_t byte(size_t i) const { return bytes_[i]; }
    uint32_t depth(size_t i) const { return depths_[i]; }
    uint32_t subtree_end(size_t i) const { return subtree_end_[i]; }
    // The tokens whose whole piece ends at node i: first_token(i), then next_same(t) until NO_TOKEN.
    Token first_token(size_t i) const { return first_token_[i]; }
    Token next_same(Token t) const { return next_same_[static_cast<size_t>(t)]; }
    uint32_t max_depth() const { return max_depth_; }
    // Over nodes [i, subtree_end(i)): the ASCII bytes there (a 128-bit set), whether other bytes are,
    // whether every token there is whole valid UTF-8, and the tokens there (subtree_tokens(i)).
    const uint64_t * ascii_below(size_t i) const { return ascii_below_[i].data(); }
    bool wide_below(size_t i) const { return wide_below_[i]; }
    bool valid_below(size_t i) const { return valid_below_[i]; }
    const Token * subtree_tokens_begin(size_t i) const { return token_order_.data() + token_begin_[i]; }
    const Token * subtree_tokens_end(size_t i) const { return token_order_.data() + token_begin_[subtree_end_[i]]; }

private:
    static bool whole_utf8(std::string_view text);

    std::vector<uint8_t> pieces_;
    std::vector<uint32_t> offsets_;  // [n_vocab + 1]
    std::vector<bool> eog_;
    std::vector<Token> eog_list_, text_tokens_;
    std::vector<uint8_t> bytes_;
    std::vector<uint32_t> depths_, subtree_end_;
    std::vector<Token> first_token_, next_same_;
    uint32_t max_depth_ = 0;
    std::vector<std::array<uint64_t, 2>> ascii_below_;
    std::vector<bool> wide_below_, valid_below_;
    std::vector<Token> token_order_;     // tokens by their node, in preorder
    std::vector<uint32_t> token_begin_;  // per node (and one past the last): where its tokens start in token_order_
};

}  // namespace fathom
