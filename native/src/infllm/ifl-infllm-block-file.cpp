// ifl-infllm-block-file.cpp — block segment files and the per-layer block writer.
#include "infllm/ifl-infllm-block-file.h"

#include <cstring>

#include "ifl-crc32c.h"
#include "ifl-error.h"
#include "ifl-file-io.h"
#include "ifl-mmap.h"

namespace ifl {

std::shared_ptr<block_segment> block_segment::create(const std::string & path, int64_t record_bytes) {
    std::shared_ptr<block_segment> s(new block_segment());
    s->path_ = path;
    s->rec_bytes_ = record_bytes;
    s->per_extent_ = std::max<int64_t>(1, k_segment_extent / record_bytes);
    s->file_ = std::make_unique<append_file>(path, true);
    return s;
}

std::shared_ptr<block_segment> block_segment::open(const std::string & path, int64_t record_bytes, int64_t n_records) {
    std::shared_ptr<block_segment> s(new block_segment());
    s->path_ = path;
    s->rec_bytes_ = record_bytes;
    s->whole_ = std::make_unique<mapped_file>(path);
    if ((int64_t)s->whole_->size() != record_bytes * n_records)
        throw_error(status::memory_corrupt, "saved memory is corrupt: %s has %llu bytes, expected %lld", path.c_str(),
                    (unsigned long long)s->whole_->size(), (long long)(record_bytes * n_records));
    s->n_.store(n_records);
    s->sealed_.store(true);
    return s;
}

// A scratch file's name is removed with its segment; a saved memory holds its own hard link.
block_segment::~block_segment() = default;

const uint8_t * block_segment::extent_base(int64_t e) const {
    std::lock_guard<std::mutex> lock(extents_mu_);
    return extents_[(size_t)e]->data();
}

const uint8_t * block_segment::record(int64_t i) const {
    IFL_ASSERT(i >= 0 && i < n_records());
    if (whole_) return whole_->data() + i * rec_bytes_;
    return extent_base(i / per_extent_) + (i % per_extent_) * rec_bytes_;
}

int64_t block_segment::append(const uint8_t * rec) {
    IFL_ASSERT(file_ && !sealed());
    const int64_t i = n_records();
    const int64_t e = i / per_extent_;
    {
        std::lock_guard<std::mutex> lock(extents_mu_);
        if ((int64_t)extents_.size() <= e)  // map the whole extent once; only written bytes are read
            extents_.push_back(file_->map((uint64_t)(e * per_extent_ * rec_bytes_), (uint64_t)(per_extent_ * rec_bytes_)));
    }
    file_->write_at((uint64_t)(i * rec_bytes_), rec, (size_t)rec_bytes_);
    n_.store(i + 1, std::memory_order_release);
    return i;
}

void block_segment::truncate(int64_t n) {
    IFL_ASSERT(file_ && !sealed() && n >= 0 && n <= n_records());
    if (n == n_records()) return;
    file_->truncate((uint64_t)(n * rec_bytes_));
    n_.store(n, std::memory_order_release);
}

void block_segment::seal() {
    if (sealed()) return;
    IFL_ASSERT(file_ != nullptr);
    file_->sync();
    sealed_.store(true, std::memory_order_release);
}

// ---- block_writer ----------------------------------------------------------------------------

block_writer::block_writer(block_storage st, kv_block_shape sh, kv_type t, bool keep_scores, std::string name_tag)
    : st_(std::move(st)), sh_(sh), type_(t), lay_(kv_block_layout::make(sh, t)), keep_scores_(keep_scores && !st_.disk),
      tag_(std::move(name_tag)) {}

std::shared_ptr<const kv_block> block_writer::make(const float * k_rows, const float * v_rows, int64_t head_stride,
                                                   const float * score_rows) {
    if (!st_.disk) return kv_block_make_ram(sh_, type_, k_rows, v_rows, head_stride, score_rows, keep_scores_);
    if (!seg_) seg_ = block_segment::create(path_join(st_.dir, "ifl-" + random_hex16() + "-" + tag_ + ".blocks"), lay_.bytes);
    scratch_.resize((size_t)lay_.bytes);
    kv_block_encode(sh_, lay_, k_rows, v_rows, head_stride, scratch_.data());
    const uint32_t crc = crc32c(scratch_.data(), scratch_.size());
    const int64_t i = seg_->append(scratch_.data());
    const uint8_t * rec = seg_->record(i);
    return std::make_shared<const kv_block>(lay_, rec, seg_, seg_, i, crc, true, std::vector<float>());
}

void block_writer::drop_last(int64_t n_blocks) {
    if (n_blocks <= 0 || !seg_) return;
    IFL_ASSERT(seg_->n_records() >= n_blocks);
    seg_->truncate(seg_->n_records() - n_blocks);
}

void block_writer::seal() {
    if (!seg_) return;
    seg_->seal();
    seg_.reset();
}

block_writer block_writer::fork() const { return block_writer(st_, sh_, type_, keep_scores_, tag_); }

} // namespace ifl
