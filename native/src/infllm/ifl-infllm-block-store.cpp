// ifl-infllm-block-store.cpp — block records: layout, encoding, lazy verification, RAM blocks.
#include "infllm/ifl-infllm-block-store.h"

#include <cstring>

#include "cpu/ifl-kv-convert.h"
#include "ifl-crc32c.h"
#include "ifl-error.h"
#include "infllm/ifl-infllm-block-file.h"

namespace ifl {

kv_block_layout kv_block_layout::make(const kv_block_shape & sh, kv_type t) {
    kv_block_layout l;
    l.type = t;
    const int64_t rows = (int64_t)sh.n_head_kv * sh.block_size;
    const int64_t elems = rows * sh.head_dim;
    const int64_t eb = (int64_t)kv_type_elem_bytes(t);
    l.k_off = 0;
    l.v_off = elems * eb;
    l.ks_off = l.vs_off = 2 * elems * eb;
    int64_t end = l.ks_off;
    if (t == kv_type::q8) {
        l.vs_off = l.ks_off + rows * 4;
        end = l.vs_off + rows * 4;
    }
    l.bytes = (end + 63) / 64 * 64;
    return l;
}

void kv_block_encode(const kv_block_shape & sh, const kv_block_layout & lay, const float * k_rows,
                     const float * v_rows, int64_t head_stride, uint8_t * rec) {
    const int B = sh.block_size, d = sh.head_dim;
    std::memset(rec, 0, (size_t)lay.bytes);
    for (int h = 0; h < sh.n_head_kv; ++h)
        for (int t = 0; t < B; ++t) {
            const int64_t row = (int64_t)h * B + t;
            const float * ks = k_rows + h * head_stride + (int64_t)t * d;
            const float * vs = v_rows + h * head_stride + (int64_t)t * d;
            switch (lay.type) {
                case kv_type::f32:
                    std::memcpy(rec + lay.k_off + row * d * 4, ks, sizeof(float) * (size_t)d);
                    std::memcpy(rec + lay.v_off + row * d * 4, vs, sizeof(float) * (size_t)d);
                    break;
                case kv_type::f16:
                    kv_encode_f16(ks, d, reinterpret_cast<uint16_t *>(rec + lay.k_off) + row * d);
                    kv_encode_f16(vs, d, reinterpret_cast<uint16_t *>(rec + lay.v_off) + row * d);
                    break;
                case kv_type::q8: {
                    const float sk = kv_encode_q8(ks, d, reinterpret_cast<int8_t *>(rec + lay.k_off) + row * d);
                    const float sv = kv_encode_q8(vs, d, reinterpret_cast<int8_t *>(rec + lay.v_off) + row * d);
                    std::memcpy(rec + lay.ks_off + row * 4, &sk, 4);
                    std::memcpy(rec + lay.vs_off + row * 4, &sv, 4);
                    break;
                }
            }
        }
}

kv_block::kv_block(const kv_block_layout & lay, const uint8_t * rec, std::shared_ptr<const void> owner,
                   std::shared_ptr<const block_segment> seg, int64_t seg_index, uint32_t crc, bool verified,
                   std::vector<float> scores)
    : lay_(lay), rec_(rec), owner_(std::move(owner)), seg_(std::move(seg)), seg_index_(seg_index), crc_(crc),
      state_(verified ? k_ok : k_unchecked), scores_(std::move(scores)) {}

int64_t kv_block::bytes_resident() const {
    return (seg_ ? 0 : lay_.bytes) + (int64_t)scores_.size() * 4;
}

void kv_block::check() const {
    const uint8_t s = state_.load(std::memory_order_acquire);
    if (s == k_ok) return;
    if (s == k_unchecked) {
        const bool ok = crc32c(rec_, (size_t)lay_.bytes) == crc_;
        state_.store(ok ? k_ok : k_bad, std::memory_order_release);
        if (ok) return;
    }
    throw_error(status::memory_corrupt, "saved memory is corrupt: block %lld of %s fails its checksum",
                (long long)seg_index_, seg_ ? seg_->path().c_str() : "(memory)");
}

void kv_block::decode(const kv_block_shape & sh, bool values, float * out) const {
    const int64_t rows = (int64_t)sh.n_head_kv * sh.block_size;
    kv_decode_rows(lay_.type, values ? v() : k(), sh.head_dim, values ? v_scale() : k_scale(), 1, rows, sh.head_dim, out);
}

std::shared_ptr<const kv_block> kv_block_make_ram(const kv_block_shape & sh, kv_type t, const float * k_rows,
                                                  const float * v_rows, int64_t head_stride, const float * score_rows,
                                                  bool keep_scores) {
    const kv_block_layout lay = kv_block_layout::make(sh, t);
    auto buf = std::make_shared<std::vector<uint8_t>>((size_t)lay.bytes);
    kv_block_encode(sh, lay, k_rows, v_rows, head_stride, buf->data());
    std::vector<float> scores;
    if (keep_scores) {
        scores.resize((size_t)sh.n_head * sh.block_size);
        for (int h = 0; h < sh.n_head; ++h)
            for (int t2 = 0; t2 < sh.block_size; ++t2)
                scores[(size_t)h * sh.block_size + t2] = score_rows[(int64_t)t2 * sh.n_head + h];
    }
    const uint32_t crc = crc32c(buf->data(), (size_t)lay.bytes);
    const uint8_t * rec = buf->data();
    return std::make_shared<const kv_block>(lay, rec, std::move(buf), nullptr, -1, crc, true, std::move(scores));
}

int64_t block_store::bytes_resident() const {
    int64_t n = 0;
    for (const auto & b : blocks_) n += b->bytes_resident();
    return n;
}

int64_t block_store::bytes_mapped() const {
    int64_t n = 0;
    for (const auto & b : blocks_) n += b->bytes_mapped();
    return n;
}

} // namespace ifl
