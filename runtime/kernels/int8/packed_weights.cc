#include "kernels/int8/packed_weights.h"

#include <string.h>

namespace kite {
namespace int8 {

uint32_t PackedLayout(const uint8_t* data, size_t bytes) {
  if (bytes < sizeof(PackedHeader)) return 0;
  PackedHeader h;
  memcpy(&h, data, sizeof(h));
  return h.layout;
}

const char* CheckPacked(const uint8_t* data, size_t bytes, const PackedExpectation& e) {
  if (reinterpret_cast<uintptr_t>(data) % kPackedAlignment != 0) return "packed weights are not 64-byte aligned";
  if (bytes < sizeof(PackedHeader)) return "packed weights are shorter than their header";
  PackedHeader h;
  memcpy(&h, data, sizeof(h));
  if (h.magic != kPackedMagic) return "packed weights have an unknown magic";
  if (h.layout != e.layout) return "packed weights have another layout than this op needs";
  if (h.out_channels != e.out_channels || h.kernel_h != e.kernel_h || h.kernel_w != e.kernel_w ||
      h.tap_channels != e.tap_channels) {
    return "packed weights were packed for other shapes";
  }
  if (h.input_zero_point != e.input_zero_point) return "packed weights were packed for another input zero point";
  const uint64_t block_bytes = PackedBlockBytes(e.layout, e.kernel_h, e.kernel_w, e.tap_channels);
  const uint64_t blocks = PackedBlocks(e.layout, e.out_channels, e.kernel_h, e.kernel_w);
  if (h.block_bytes != block_bytes || h.blocks != blocks) return "packed weights have the wrong block size or count";
  if (bytes != sizeof(PackedHeader) + block_bytes * blocks) return "packed weights have the wrong size";
  return nullptr;
}

}  // namespace int8
}  // namespace kite
