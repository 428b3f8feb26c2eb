// Decoding a token's bytes into code points one byte at a time, so a token may end inside a
// character and the next one finish it, as llama.cpp's grammar does. Unlike llama.cpp (which reads
// any continuation bytes and overlong forms), only valid UTF-8 is read: a byte sequence that spells
// a character in an overlong or broken way must not pass for that character (a hostile vocabulary
// could close a JSON string with one). Such tokens are refused.
#pragma once

#include <cstdint>

namespace fathom {

// The smallest code point a character of 1, 2, 3 and 4 bytes may hold (smaller ones are overlong).
inline constexpr uint32_t UTF8_SMALLEST[5] = {0, 0, 0x80, 0x800, 0x10000};

struct Utf8Partial {
    uint32_t value = 0;  // the bits decoded so far
    int8_t remain = 0;   // continuation bytes still expected; 0: between characters
    uint8_t length = 0;  // bytes of the character being decoded
};

enum class Utf8Step : uint8_t { Incomplete, CodePoint, Invalid };

// Feeds one byte; on CodePoint, p.value is the finished code point.
inline Utf8Step utf8_step(Utf8Partial & p, uint8_t byte) {
    if (p.remain > 0) {
        if ((byte >> 6) != 2) return Utf8Step::Invalid;
        p.value = (p.value << 6) + (byte & 0x3F);
        if (--p.remain > 0) return Utf8Step::Incomplete;
        // Overlong forms, and values past Unicode.
        if (p.value < UTF8_SMALLEST[p.length] || p.value > 0x10FFFF) return Utf8Step::Invalid;
        return Utf8Step::CodePoint;
    }
    // Length from the lead byte: 10xxxxxx cannot start a character, C0 and C1 only start overlong
    // ones, F5..FF nothing.
    if (byte < 0x80) {
        p.value = byte;
        p.length = 1;
        return Utf8Step::CodePoint;
    }
    if (byte < 0xC2 || byte > 0xF4) return Utf8Step::Invalid;
    const int8_t n = byte < 0xE0 ? 1 : byte < 0xF0 ? 2 : 3;
    p.value = byte & ((1u << (6 - n)) - 1);
    p.remain = n;
    p.length = static_cast<uint8_t>(n + 1);
    return Utf8Step::Incomplete;
}

// The code points a partial character could still become ([low, high]); false when no continuation
// makes it valid (it can only end overlong, or past Unicode).
inline bool utf8_partial_range(const Utf8Partial & p, uint32_t & low, uint32_t & high) {
    if (p.remain <= 0) return false;
    low = p.value << (p.remain * 6);
    high = low | ((1u << (p.remain * 6)) - 1);
    if (low < UTF8_SMALLEST[p.length]) low = UTF8_SMALLEST[p.length];
    if (high > 0x10FFFF) high = 0x10FFFF;
    return low <= high;
}

}  // namespace fathom
