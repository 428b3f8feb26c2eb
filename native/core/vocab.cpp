// See vocab.h. The SentencePiece algorithm follows llama.cpp's behaviour exactly:
// greedy merging of the adjacent pair whose merged text is the highest-scoring
// token (ties: leftmost first), with byte fallback for text no token covers.
#include "vocab.h"

#include <algorithm>
#include <cctype>
#include <queue>

#include "error.h"
#include "gguf-file.h"

namespace fathom {

namespace {

// tokenizer.ggml.token_type values as written by the GGUF converters.
enum GgufTokenType { TYPE_UNDEFINED = 0, TYPE_NORMAL = 1, TYPE_UNKNOWN = 2, TYPE_CONTROL = 3, TYPE_USER_DEFINED = 4, TYPE_UNUSED = 5, TYPE_BYTE = 6 };

uint32_t attr_from_type(int32_t type) {
    switch (type) {
        case TYPE_NORMAL: return ATTR_NORMAL;
        case TYPE_UNKNOWN: return ATTR_UNKNOWN;
        case TYPE_CONTROL: return ATTR_CONTROL;
        case TYPE_USER_DEFINED: return ATTR_USER_DEFINED;
        case TYPE_UNUSED: return ATTR_UNUSED;
        case TYPE_BYTE: return ATTR_BYTE;
        default: return ATTR_UNDEFINED;
    }
}

// Length of the UTF-8 sequence a lead byte announces (1 for stray continuation bytes).
size_t utf8_sequence_length(uint8_t lead) {
    static const uint8_t by_high_nibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return by_high_nibble[lead >> 4];
}

const std::string SPM_SPACE = "\xe2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK

std::string replace_all(const std::string & s, const std::string & from, const std::string & to) {
    std::string out;
    out.reserve(s.size());
    size_t pos = 0;
    for (size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
        out.append(s, pos, hit - pos);
        out += to;
    }
    out.append(s, pos, std::string::npos);
    return out;
}

uint8_t parse_byte_token(const std::string & text) {
    // Byte tokens are spelled "<0xAB>".
    return static_cast<uint8_t>(std::stoul(text.substr(3, 2), nullptr, 16));
}

}  // namespace

Vocab::Vocab(const GgufFile & file) {
    model_ = file.get_string("tokenizer.ggml.model");
    if (model_ != "llama") {
        throw Error(codes::UNSUPPORTED_ARCHITECTURE, file.path() + ": tokenizer model '" + model_ +
                                                         "' is not supported yet (supported: llama/SentencePiece)");
    }
    // SentencePiece defaults, as llama.cpp applies them.
    special_.bos = 1;
    special_.eos = 2;
    special_.unk = 0;
    add_bos_ = true;
    add_space_prefix_ = true;

    const std::vector<std::string> texts = file.get_string_array("tokenizer.ggml.tokens");
    if (texts.empty()) throw Error(codes::INVALID_GGUF, file.path() + ": tokenizer.ggml.tokens is empty");
    std::vector<float> scores;
    if (file.has("tokenizer.ggml.scores")) scores = file.get_f32_array("tokenizer.ggml.scores");
    std::vector<int32_t> types;
    if (file.has("tokenizer.ggml.token_type")) types = file.get_i32_array("tokenizer.ggml.token_type");
    if ((!scores.empty() && scores.size() < texts.size()) || (!types.empty() && types.size() < texts.size())) {
        throw Error(codes::INVALID_GGUF, file.path() + ": tokenizer.ggml.scores/token_type have fewer entries than tokenizer.ggml.tokens");
    }

    tokens_.resize(texts.size());
    ids_.reserve(texts.size());
    for (size_t i = 0; i < texts.size(); i++) {
        TokenData & t = tokens_[i];
        t.text = texts[i].empty() ? "[EMPTY_" + std::to_string(i) + "]" : texts[i];
        t.score = scores.empty() ? 0.0f : scores[i];
        t.attr = types.empty() ? ATTR_NORMAL : attr_from_type(types[i]);
        if (t.attr & ATTR_BYTE) {
            const bool well_formed = t.text.size() == 6 && t.text.compare(0, 3, "<0x") == 0 && std::isxdigit((unsigned char)t.text[3]) &&
                                     std::isxdigit((unsigned char)t.text[4]) && t.text[5] == '>';
            if (!well_formed) throw Error(codes::INVALID_GGUF, file.path() + ": byte token " + std::to_string(i) + " is not of the form <0xXX>");
        }
        ids_[t.text] = static_cast<Token>(i);  // later duplicates win, as in llama.cpp
    }

    // Special ids from metadata; out-of-range ids keep the default, as llama.cpp does.
    const auto read_id = [&](const char * key, Token & id) {
        if (id != NO_TOKEN && !valid(id)) id = NO_TOKEN;
        if (!file.has(key)) return;
        const uint32_t v = file.get_u32(key);
        if (v < tokens_.size()) id = static_cast<Token>(v);
    };
    read_id("tokenizer.ggml.bos_token_id", special_.bos);
    read_id("tokenizer.ggml.eos_token_id", special_.eos);
    read_id("tokenizer.ggml.eot_token_id", special_.eot);
    read_id("tokenizer.ggml.eom_token_id", special_.eom);
    read_id("tokenizer.ggml.unknown_token_id", special_.unk);
    read_id("tokenizer.ggml.seperator_token_id", special_.sep);
    read_id("tokenizer.ggml.padding_token_id", special_.pad);
    add_bos_ = file.get_bool("tokenizer.ggml.add_bos_token", add_bos_);
    add_eos_ = file.get_bool("tokenizer.ggml.add_eos_token", add_eos_);
    add_space_prefix_ = file.get_bool("tokenizer.ggml.add_space_prefix", add_space_prefix_);
    if (add_bos_ && special_.bos == NO_TOKEN) throw Error(codes::INVALID_GGUF, file.path() + ": the vocabulary asks for BOS but has no BOS token");
    if (add_eos_ && special_.eos == NO_TOKEN) throw Error(codes::INVALID_GGUF, file.path() + ": the vocabulary asks for EOS but has no EOS token");

    for (size_t i = 0; i < tokens_.size(); i++) {
        if (tokens_[i].attr & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) special_by_length_.push_back(static_cast<Token>(i));
    }
    std::stable_sort(special_by_length_.begin(), special_by_length_.end(),
                     [&](Token a, Token b) { return tokens_[a].text.size() > tokens_[b].text.size(); });

    pieces_.resize(tokens_.size());
    for (size_t i = 0; i < tokens_.size(); i++) {
        const TokenData & t = tokens_[i];
        if (t.attr & (ATTR_CONTROL | ATTR_UNKNOWN | ATTR_USER_DEFINED)) pieces_[i] = t.text;
        else if (t.attr & ATTR_NORMAL) pieces_[i] = replace_all(t.text, SPM_SPACE, " ");
        else if (t.attr & ATTR_BYTE) pieces_[i] = std::string(1, static_cast<char>(parse_byte_token(t.text)));
        // unused / undefined tokens render as nothing
    }
}

Token Vocab::find(const std::string & text) const {
    auto it = ids_.find(text);
    return it == ids_.end() ? NO_TOKEN : it->second;
}

Token Vocab::byte_token(uint8_t byte) const {
    static const char hex[] = "0123456789ABCDEF";
    const char spelled[7] = {'<', '0', 'x', hex[byte >> 4], hex[byte & 15], '>', 0};
    Token id = find(spelled);
    if (id == NO_TOKEN) id = find(std::string(1, static_cast<char>(byte)));
    return id == NO_TOKEN ? special_.unk : id;
}

bool Vocab::is_eog(Token id) const {
    return id != NO_TOKEN && (id == special_.eos || id == special_.eot || id == special_.eom);
}

const std::string & Vocab::piece(Token id, bool special) const {
    static const std::string empty;
    if (!valid(id)) return empty;
    if (!special && (tokens_[id].attr & (ATTR_CONTROL | ATTR_UNKNOWN))) return empty;
    return pieces_[id];
}

std::string Vocab::detokenize(const std::vector<Token> & tokens, bool special) const {
    std::string out;
    // SentencePiece prepends a space when tokenizing; the first piece gives it back.
    bool strip_leading_space = add_space_prefix_;
    for (Token id : tokens) {
        const std::string & p = piece(id, special);
        if (strip_leading_space && !p.empty() && p[0] == ' ') out.append(p, 1, std::string::npos);
        else out += p;
        strip_leading_space = false;
    }
    return out;
}

void Vocab::split_special(const std::string & text, std::vector<Fragment> & fragments, bool parse_special) const {
    fragments.assign(1, Fragment{NO_TOKEN, 0, text.size()});
    for (Token id : special_by_length_) {
        const TokenData & t = tokens_[id];
        // Without parse_special, only user-defined tokens are matched in the text.
        if (!parse_special && (t.attr & (ATTR_CONTROL | ATTR_UNKNOWN))) continue;
        std::vector<Fragment> next;
        next.reserve(fragments.size());
        for (const Fragment & f : fragments) {
            if (f.token != NO_TOKEN) {
                next.push_back(f);
                continue;
            }
            size_t begin = f.offset;
            const size_t end = f.offset + f.length;
            while (begin < end) {
                const size_t hit = std::string_view(text.data(), end).find(t.text, begin);
                if (hit == std::string::npos) break;
                if (hit > begin) next.push_back(Fragment{NO_TOKEN, begin, hit - begin});
                next.push_back(Fragment{id, hit, t.text.size()});
                begin = hit + t.text.size();
            }
            if (begin < end) next.push_back(Fragment{NO_TOKEN, begin, end - begin});
        }
        fragments.swap(next);
    }
}

std::vector<Token> Vocab::tokenize(const std::string & text, bool add_special, bool parse_special) const {
    std::vector<Token> out;
    if (add_special && add_bos_) out.push_back(special_.bos);
    if (!text.empty()) {
        std::vector<Fragment> fragments;
        split_special(text, fragments, parse_special);
        bool after_special = true;  // the first raw text gets the SentencePiece space prefix
        for (const Fragment & f : fragments) {
            if (f.token != NO_TOKEN) {
                out.push_back(f.token);
                after_special = true;
                continue;
            }
            std::string raw = (add_space_prefix_ && after_special) ? " " : "";
            raw.append(text, f.offset, f.length);
            tokenize_spm(replace_all(raw, " ", SPM_SPACE), out);
            after_special = false;
        }
    }
    if (add_special && add_eos_) out.push_back(special_.eos);
    return out;
}

void Vocab::tokenize_spm(const std::string & text, std::vector<Token> & out) const {
    // Symbols form a doubly linked list over the text; merged symbols grow, the absorbed one empties.
    struct Symbol {
        int prev, next;
        size_t offset, length;
    };
    struct Pair {
        int left, right;
        float score;
        size_t length;  // merged byte length, to detect stale entries
    };
    // Highest score first; equal scores merge the leftmost pair first.
    const auto lower_priority = [](const Pair & a, const Pair & b) { return a.score < b.score || (a.score == b.score && a.left > b.left); };

    std::vector<Symbol> symbols;
    for (size_t offset = 0; offset < text.size();) {
        const size_t length = std::min(utf8_sequence_length(static_cast<uint8_t>(text[offset])), text.size() - offset);
        const int index = static_cast<int>(symbols.size());
        symbols.push_back(Symbol{index - 1, offset + length == text.size() ? -1 : index + 1, offset, length});
        offset += length;
    }
    if (symbols.empty()) return;

    std::priority_queue<Pair, std::vector<Pair>, decltype(lower_priority)> queue(lower_priority);
    const auto consider = [&](int left, int right) {
        if (left < 0 || right < 0) return;
        const size_t length = symbols[left].length + symbols[right].length;
        const Token id = find(text.substr(symbols[left].offset, length));
        if (id != NO_TOKEN) queue.push(Pair{left, right, tokens_[id].score, length});
    };
    for (int i = 1; i < static_cast<int>(symbols.size()); i++) consider(i - 1, i);

    while (!queue.empty()) {
        const Pair pair = queue.top();
        queue.pop();
        Symbol & left = symbols[pair.left];
        Symbol & right = symbols[pair.right];
        if (left.length == 0 || right.length == 0 || left.length + right.length != pair.length) continue;
        left.length += right.length;
        right.length = 0;
        left.next = right.next;
        if (right.next >= 0) symbols[right.next].prev = pair.left;
        consider(left.prev, pair.left);
        consider(pair.left, left.next);
    }

    // Every merge made a known token, so a final symbol is a token or a lone character
    // that no token spells: that one falls back to byte tokens.
    for (int i = 0; i != -1; i = symbols[i].next) {
        const std::string piece = text.substr(symbols[i].offset, symbols[i].length);
        const Token id = find(piece);
        if (id != NO_TOKEN) out.push_back(id);
        else for (char c : piece) out.push_back(byte_token(static_cast<uint8_t>(c)));
    }
}

}  // namespace fathom
