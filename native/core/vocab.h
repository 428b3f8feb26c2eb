// The tokenizer vocabulary of a GGUF file and its text <-> token conversions.
// Supports SentencePiece-style vocabularies (tokenizer.ggml.model = "llama"),
// matching llama.cpp token for token. Other tokenizer models are rejected by name.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace fathom {

class GgufFile;

using Token = int32_t;
inline constexpr Token NO_TOKEN = -1;

// Per-token attributes (bit flags), derived from tokenizer.ggml.token_type.
enum TokenAttr : uint32_t {
    ATTR_UNDEFINED = 0,
    ATTR_UNKNOWN = 1u << 0,
    ATTR_UNUSED = 1u << 1,
    ATTR_NORMAL = 1u << 2,
    ATTR_CONTROL = 1u << 3,
    ATTR_USER_DEFINED = 1u << 4,
    ATTR_BYTE = 1u << 5,
};

struct SpecialTokens {
    Token bos = NO_TOKEN, eos = NO_TOKEN, eot = NO_TOKEN, eom = NO_TOKEN;
    Token unk = NO_TOKEN, sep = NO_TOKEN, pad = NO_TOKEN;
};

class Vocab {
public:
    // Throws Error(INVALID_GGUF | UNSUPPORTED_ARCHITECTURE).
    explicit Vocab(const GgufFile & file);

    // add_special: prepend BOS (and append EOS) as the vocabulary asks.
    // parse_special: text of control tokens (e.g. "<s>") becomes their ids.
    std::vector<Token> tokenize(const std::string & text, bool add_special, bool parse_special) const;
    // Bytes of one token (may be part of a UTF-8 character). Control tokens are empty unless `special`.
    const std::string & piece(Token id, bool special) const;
    // Whole text of a token list, with the leading space SentencePiece added removed.
    std::string detokenize(const std::vector<Token> & tokens, bool special) const;

    size_t size() const { return tokens_.size(); }
    bool valid(Token id) const { return id >= 0 && static_cast<size_t>(id) < tokens_.size(); }
    const SpecialTokens & special() const { return special_; }
    bool add_bos() const { return add_bos_; }
    bool add_eos() const { return add_eos_; }
    // End of generation: EOS, EOT or EOM.
    bool is_eog(Token id) const;
    const std::string & model_name() const { return model_; }

private:
    struct TokenData {
        std::string text;
        float score = 0.0f;
        uint32_t attr = ATTR_NORMAL;
    };
    // A piece of input: raw text still to tokenize, or an already-matched special token.
    struct Fragment {
        Token token;        // NO_TOKEN for raw text
        size_t offset, length;
    };

    void split_special(const std::string & text, std::vector<Fragment> & fragments, bool parse_special) const;
    void tokenize_spm(const std::string & text, std::vector<Token> & out) const;
    Token byte_token(uint8_t byte) const;
    Token find(const std::string & text) const;

    std::string model_;
    std::vector<TokenData> tokens_;
    std::unordered_map<std::string, Token> ids_;
    std::vector<Token> special_by_length_;   // control/user-defined/unknown tokens, longest text first
    std::vector<std::string> pieces_;        // decoded bytes of each token
    SpecialTokens special_;
    bool add_bos_ = false, add_eos_ = false, add_space_prefix_ = false;
};

}  // namespace fathom
