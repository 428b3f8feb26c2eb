// A token id as the engine sees it. Tokenization itself lives in TypeScript
// (src/tokenizer/); the engine only checks ids against the vocabulary size.
#pragma once

#include <cstdint>

namespace fathom {

using Token = int32_t;
inline constexpr Token NO_TOKEN = -1;

}  // namespace fathom
