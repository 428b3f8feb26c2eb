// Force-included into ggml's CPU backend (CMakeLists.txt). On x86 ggml converts every fp16 block
// scale through a 256 KB lookup table (ggml_table_f32_f16); while weights stream through the
// caches the table's lines are evicted, so in a mat-vec each block waits on a table load from L2.
// Where the compiler targets F16C, ggml's own instruction-based conversion is used instead: the
// same exact fp16 -> fp32 values, without the table (Q8_0 mat-vec +30% on one core, see issue 8).
#pragma once

#if defined(__F16C__) && !defined(_MSC_VER)
#include <immintrin.h>
#define GGML_CPU_FP16_TO_FP32(x) _cvtsh_ss(x)
#endif
