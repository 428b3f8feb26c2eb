// Decoding a token's bytes into code points the way llama.cpp's grammar does, one byte at a
// time, so a token may end inside a character and the next one finish it. Kept identical to
// llama.cpp (lenient inside a token, strict when finishing a character carried over from the
// previous token) so the same tokens are allowed.
#pragma once

#include <cstdint>

namespace fathom {

struct Utf8Partial {
    uint32_t value = 0;    // the bits decoded so far
    int8_t remain = 0;     // continuation bytes still expected; 0: between characters
    bool carried = false;  // the character began in an earlier token
};

enum class Utf8Step : uint8_t { Incomplete, CodePoint, Invalid };

// Feeds one byte; on CodePoint, p.value is the finished code point.
inline Utf8Step utf8_step(Utf8Partial & p, uint8_t byte) {
    if (p.remain > 0) {
        if (p.carried && (byte >> 6) != 2) return Utf8Step::Invalid;
        p.value = (p.value << 6) + (byte & 0x3F);
        if (--p.remain > 0) return Utf8Step::Incomplete;
        p.carried = false;
        return Utf8Step::CodePoint;
    }
    // Length from the high nibble; 10xxxxxx cannot start a character.
    static constexpr int8_t extra[16] = {0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, 1, 1, 2, 3};
    const int8_t n = extra[byte >> 4];
    if (n < 0) return Utf8Step::Invalid;
    p.value = byte & ((1u << (7 - n)) - 1);
    p.remain = n;
    p.carried = false;
    return n == 0 ? Utf8Step::CodePoint : Utf8Step::Incomplete;
}

// The code points a partial character could still become ([low, high]); false for an overlong
// 2-byte start, which no continuation makes valid.
inline bool utf8_partial_range(const Utf8Partial & p, uint32_t & low, uint32_t & high) {
    if (p.remain <= 0) return false;
    if (p.remain == 1 && p.value < 2) return false;
    low = p.value << (p.remain * 6);
    high = low | ((1u << (p.remain * 6)) - 1);
    if (low == 0) low = p.remain == 2 ? 1u << 11 : p.remain == 3 ? 1u << 16 : low;
    return true;
}

}  // namespace fathom
