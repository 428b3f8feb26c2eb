// Steering: a direction per layer added to that layer's output (the residual stream).
#pragma once

#include <cstdint>
#include <vector>

namespace fathom {

// data is [n_layer * n_embd], row il for layer il; added in layers first_layer..last_layer.
struct ControlVector {
    std::vector<float> data;
    uint32_t first_layer = 0, last_layer = 0;
};

}  // namespace fathom
