// Builds small .kite models in tests, through the converter's writer.
#ifndef KITE_TESTS_SUPPORT_MODEL_BUILDER_H_
#define KITE_TESTS_SUPPORT_MODEL_BUILDER_H_

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kite/kite.h"
#include "writer/model_builder.h"

namespace kite {
namespace testing {

// Model bytes at a 64-byte-aligned address, as a file mapping would give.
class AlignedBytes {
 public:
  AlignedBytes() = default;
  explicit AlignedBytes(const std::vector<uint8_t>& bytes) : size_(bytes.size()) {
    data_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, (size_ + 64) / 64 * 64)));
    if (size_ > 0) std::memcpy(data_.get(), bytes.data(), size_);
  }
  uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  std::vector<uint8_t> ToVector() const { return std::vector<uint8_t>(data(), data() + size_); }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_ = 0;
};

using converter::PerTensor;
using converter::Quant;

// The converter's builder, returning 64-byte-aligned bytes ready to load.
class ModelBuilder : public converter::ModelBuilder {
 public:
  AlignedBytes Build(bool plan = true) { return AlignedBytes(converter::ModelBuilder::Build(plan)); }
};

}  // namespace testing
}  // namespace kite

#endif  // KITE_TESTS_SUPPORT_MODEL_BUILDER_H_
