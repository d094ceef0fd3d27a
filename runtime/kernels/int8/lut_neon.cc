// NEON table lookup (aarch64). tbl looks 16 bytes up in a 64-byte table
// (0 past its end), tbx the same but keeps the previous byte past the end:
// one tbl and three tbx over the table's quarters, the index stepped down by
// 64 each time (wrapping), so exactly one quarter sees it in range.
#include <arm_neon.h>

#include "kernels/int8/lut.h"

namespace kite {
namespace int8 {
namespace {

void NeonLut(size_t n, const int8_t* x, const int8_t* table, int8_t* y) {
  const uint8_t* t = reinterpret_cast<const uint8_t*>(table);
  const uint8x16x4_t q0 = vld1q_u8_x4(t), q1 = vld1q_u8_x4(t + 64);
  const uint8x16x4_t q2 = vld1q_u8_x4(t + 128), q3 = vld1q_u8_x4(t + 192);
  const uint8x16_t step = vdupq_n_u8(64);
  for (; n >= 16; n -= 16, x += 16, y += 16) {
    uint8x16_t v = vld1q_u8(reinterpret_cast<const uint8_t*>(x));
    uint8x16_t r = vqtbl4q_u8(q0, v);
    v = vsubq_u8(v, step);
    r = vqtbx4q_u8(r, q1, v);
    v = vsubq_u8(v, step);
    r = vqtbx4q_u8(r, q2, v);
    v = vsubq_u8(v, step);
    r = vqtbx4q_u8(r, q3, v);
    vst1q_u8(reinterpret_cast<uint8_t*>(y), r);
  }
  for (size_t i = 0; i < n; ++i) y[i] = table[static_cast<uint8_t>(x[i])];
}

}  // namespace

const Lut kNeonLut = {"int8/lut-neon", NeonLut, true};

}  // namespace int8
}  // namespace kite
