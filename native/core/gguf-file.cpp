// See gguf-file.h. ggml's getters assert on a type mismatch, so every accessor
// here checks the stored type first and throws INVALID_GGUF naming the key.
#include "gguf-file.h"

#include <cstring>
#include <limits>

#include "error.h"
#include "ggml-log.h"

namespace fathom {

static const char GGUF_MAGIC_BYTES[4] = {'G', 'G', 'U', 'F'};

GgufFile::GgufFile(const std::string & path) : path_(path) {
    ggml_log_install();
    mapping_ = std::make_unique<MappedFile>(path);
    if (mapping_->size() < 8 || std::memcmp(mapping_->data(), GGUF_MAGIC_BYTES, 4) != 0) {
        throw Error(codes::INVALID_GGUF, path + " is not a GGUF file (it does not start with the bytes \"GGUF\")");
    }
    uint32_t version;
    std::memcpy(&version, mapping_->data() + 4, sizeof version);
    if (version < 2 || version > GGUF_VERSION) {
        throw Error(codes::INVALID_GGUF, path + " is GGUF version " + std::to_string(version) + "; versions 2 and 3 are supported");
    }
    ggml_log_take_last_error();
    gguf_init_params params = {/*no_alloc=*/true, /*ctx=*/&meta_};
    gguf_ = gguf_init_from_buffer(mapping_->data(), mapping_->size(), params);
    if (!gguf_) {
        std::string why = ggml_log_take_last_error();
        throw Error(codes::INVALID_GGUF, path + " is not a valid GGUF file" + (why.empty() ? "" : ": " + why));
    }
    try {
        validate_tensors();
    } catch (...) {
        ggml_free(meta_);
        gguf_free(gguf_);
        throw;
    }
}

// Bytes of a tensor, or 0 when the size does not fit in 63 bits (ggml_nbytes would wrap).
static uint64_t checked_nbytes(const ggml_tensor * t) {
    const int64_t block = ggml_blck_size(t->type);
    if (block <= 0 || t->ne[0] % block != 0) return 0;
    unsigned __int128 bytes = static_cast<unsigned __int128>(t->ne[0] / block) * ggml_type_size(t->type);
    for (int i = 1; i < GGML_MAX_DIMS; i++) {
        bytes *= static_cast<uint64_t>(t->ne[i]);
        if (bytes > (static_cast<unsigned __int128>(1) << 62)) return 0;
    }
    return static_cast<uint64_t>(bytes);
}

GgufFile::~GgufFile() {
    if (meta_) ggml_free(meta_);
    if (gguf_) gguf_free(gguf_);
}

void GgufFile::validate_tensors() {
    const size_t data_offset = gguf_get_data_offset(gguf_);
    const int64_t n = gguf_get_n_tensors(gguf_);
    for (int64_t i = 0; i < n; i++) {
        const char * name = gguf_get_tensor_name(gguf_, i);
        ggml_tensor * t = ggml_get_tensor(meta_, name);
        if (!t) throw Error(codes::INVALID_GGUF, path_ + ": tensor '" + name + "' is described but missing");
        const size_t begin = data_offset + gguf_get_tensor_offset(gguf_, i);
        const uint64_t bytes = checked_nbytes(t);
        for (int d = 0; d < GGML_MAX_DIMS; d++) {
            if (t->ne[d] <= 0) throw Error(codes::INVALID_GGUF, path_ + ": tensor '" + name + "' has a non-positive dimension");
        }
        if (bytes == 0) throw Error(codes::INVALID_GGUF, path_ + ": tensor '" + name + "' is impossibly large");
        if (begin > mapping_->size() || bytes > mapping_->size() - begin) {
            throw Error(codes::INVALID_GGUF, path_ + " is truncated: tensor '" + name + "' needs bytes " + std::to_string(begin) + ".." +
                                                 std::to_string(begin + bytes) + " but the file has " + std::to_string(mapping_->size()));
        }
    }
}

ggml_tensor * GgufFile::tensor(const std::string & name) const { return ggml_get_tensor(meta_, name.c_str()); }

const uint8_t * GgufFile::tensor_data(const ggml_tensor * t) const {
    const int64_t id = gguf_find_tensor(gguf_, ggml_get_name(t));
    return mapping_->data() + gguf_get_data_offset(gguf_) + gguf_get_tensor_offset(gguf_, id);
}

int64_t GgufFile::find(const std::string & key) const { return gguf_find_key(gguf_, key.c_str()); }

int64_t GgufFile::require(const std::string & key) const {
    const int64_t id = find(key);
    if (id < 0) throw Error(codes::INVALID_GGUF, path_ + ": required metadata key '" + key + "' is missing");
    return id;
}

void GgufFile::fail_type(const std::string & key, const char * wanted) const {
    const int64_t id = find(key);
    throw Error(codes::INVALID_GGUF, path_ + ": metadata key '" + key + "' should be " + wanted + " but is " + gguf_type_name(gguf_get_kv_type(gguf_, id)));
}

std::string GgufFile::get_string(const std::string & key) const {
    const int64_t id = require(key);
    if (gguf_get_kv_type(gguf_, id) != GGUF_TYPE_STRING) fail_type(key, "a string");
    return gguf_get_val_str(gguf_, id);
}

std::string GgufFile::get_string(const std::string & key, const std::string & fallback) const { return has(key) ? get_string(key) : fallback; }

// Reads any scalar numeric value as double; integers up to 2^53 are exact.
static bool read_number(gguf_context * g, int64_t id, double & out) {
    switch (gguf_get_kv_type(g, id)) {
        case GGUF_TYPE_UINT8:
            out = gguf_get_val_u8(g, id);
            return true;
        case GGUF_TYPE_INT8:
            out = gguf_get_val_i8(g, id);
            return true;
        case GGUF_TYPE_UINT16:
            out = gguf_get_val_u16(g, id);
            return true;
        case GGUF_TYPE_INT16:
            out = gguf_get_val_i16(g, id);
            return true;
        case GGUF_TYPE_UINT32:
            out = gguf_get_val_u32(g, id);
            return true;
        case GGUF_TYPE_INT32:
            out = gguf_get_val_i32(g, id);
            return true;
        case GGUF_TYPE_UINT64:
            out = static_cast<double>(gguf_get_val_u64(g, id));
            return true;
        case GGUF_TYPE_INT64:
            out = static_cast<double>(gguf_get_val_i64(g, id));
            return true;
        case GGUF_TYPE_FLOAT32:
            out = gguf_get_val_f32(g, id);
            return true;
        case GGUF_TYPE_FLOAT64:
            out = gguf_get_val_f64(g, id);
            return true;
        case GGUF_TYPE_BOOL:
            out = gguf_get_val_bool(g, id) ? 1 : 0;
            return true;
        default:
            return false;
    }
}

uint32_t GgufFile::get_u32(const std::string & key) const {
    const int64_t id = require(key);
    double v;
    if (!read_number(gguf_, id, v) || gguf_get_kv_type(gguf_, id) == GGUF_TYPE_FLOAT32 || gguf_get_kv_type(gguf_, id) == GGUF_TYPE_FLOAT64) {
        fail_type(key, "an integer");
    }
    if (v < 0 || v > std::numeric_limits<uint32_t>::max()) {
        throw Error(codes::INVALID_GGUF, path_ + ": metadata key '" + key + "' is out of range (" + std::to_string(v) + ")");
    }
    return static_cast<uint32_t>(v);
}

uint32_t GgufFile::get_u32(const std::string & key, uint32_t fallback) const { return has(key) ? get_u32(key) : fallback; }

float GgufFile::get_f32(const std::string & key, float fallback) const {
    if (!has(key)) return fallback;
    double v;
    if (!read_number(gguf_, find(key), v)) fail_type(key, "a number");
    return static_cast<float>(v);
}

uint32_t GgufFile::array_length(const std::string & key) const {
    const int64_t id = require(key);
    if (gguf_get_kv_type(gguf_, id) != GGUF_TYPE_ARRAY) fail_type(key, "an array");
    const size_t n = gguf_get_arr_n(gguf_, id);
    if (n > UINT32_MAX) throw Error(codes::INVALID_GGUF, path_ + ": " + key + " has too many elements");
    return static_cast<uint32_t>(n);
}

}  // namespace fathom
