#include "peak/peak.h"

#include <chrono>

#if defined(__x86_64__)
#include <immintrin.h>

#include <string.h>

#include "kernels/int8/cpu_features.h"
#include "kernels/int8/ukernels.h"
#elif defined(__aarch64__)
#include <arm_neon.h>
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace kite {
namespace bench {
namespace {

// Enough independent chains to cover latency x throughput (vpdpbusd zmm on
// Zen 5 needs more than 12), and no more than the register file holds: 16
// of the 32 zmm / NEON registers, 12 of the 16 ymm.
constexpr int kChains = 16;
constexpr int kYmmChains = 12;

// Each loop is a plain function with its ISA's target attribute (a lambda
// inside it would not inherit the attribute, and its intrinsics would not
// inline).
double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The loops' inputs start from an opaque zero (so the compiler cannot fold
// them) and their results go to sinks (so it cannot drop them). Inputs never
// read a sink: a sink holds a wrapped sum, and adding to it overflows int.
volatile int g_zero = 0;
volatile int g_int_sink;
volatile float g_float_sink;

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512vnni"))) double DpbusdZmm(long n) {
  const auto start = std::chrono::steady_clock::now();
  __m512i acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_epi32(j + g_zero);
  const __m512i a = _mm512_set1_epi32(0x01020304 + g_zero), b = _mm512_set1_epi32(0x05060708 + g_zero);
  for (long i = 0; i < n; ++i) {
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_dpbusd_epi32(acc[j], a, b);
  }
  __m512i sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = _mm512_add_epi32(sum, acc[j]);
  // One lane: GCC's _mm512_reduce_add_epi32 adds in C int, and the wrapped
  // sums would overflow it (undefined behaviour).
  g_int_sink = _mm_cvtsi128_si32(_mm512_castsi512_si128(sum));
  return Seconds(start);
}

__attribute__((target("avx2,avxvnni"))) double DpbusdYmm(long n) {
  const auto start = std::chrono::steady_clock::now();
  __m256i acc[kYmmChains];
  for (int j = 0; j < kYmmChains; ++j) acc[j] = _mm256_set1_epi32(j + g_zero);
  const __m256i a = _mm256_set1_epi32(0x01020304 + g_zero), b = _mm256_set1_epi32(0x05060708 + g_zero);
  for (long i = 0; i < n; ++i) {
    for (int j = 0; j < kYmmChains; ++j) acc[j] = _mm256_dpbusd_avx_epi32(acc[j], a, b);
  }
  __m256i sum = acc[0];
  for (int j = 1; j < kYmmChains; ++j) sum = _mm256_add_epi32(sum, acc[j]);
  g_int_sink = _mm256_extract_epi32(sum, 0);
  return Seconds(start);
}

// AMX: four accumulator tiles against fixed input tiles, tdpbssd of 16 x 16
// x 64 MACs each, so the matrix unit's throughput bounds it (the tiles'
// loads are outside the loop; a real kernel's are not). Only once the
// runtime's variant list holds the AMX one: Linux must have granted the tiles.
struct alignas(64) AmxConfig {
  uint8_t palette, start_row, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

__attribute__((target("amx-tile,amx-int8"))) double TdpbssdAmx(long n) {
  AmxConfig config;
  memset(&config, 0, sizeof(config));
  config.palette = 1;
  for (int t = 0; t < 8; ++t) config.colsb[t] = 64, config.rows[t] = 16;
  alignas(64) int8_t tile[16 * 64];
  memset(tile, 1 + g_zero, sizeof(tile));
  _tile_loadconfig(&config);
  const auto start = std::chrono::steady_clock::now();
  _tile_loadd(4, tile, 64);
  _tile_loadd(5, tile, 64);
  _tile_loadd(6, tile, 64);
  _tile_loadd(7, tile, 64);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (long i = 0; i < n; ++i) {
    _tile_dpbssd(0, 4, 6);
    _tile_dpbssd(1, 4, 7);
    _tile_dpbssd(2, 5, 6);
    _tile_dpbssd(3, 5, 7);
  }
  alignas(64) int32_t out[16 * 16];
  _tile_stored(0, out, 64);
  _tile_release();
  g_int_sink = out[0];
  return Seconds(start);
}

__attribute__((target("avx512f"))) double FmaZmm(long n) {
  const auto start = std::chrono::steady_clock::now();
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(static_cast<float>(j + g_zero));
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  for (long i = 0; i < n; ++i) {
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], a, b);
  }
  __m512 sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = _mm512_add_ps(sum, acc[j]);
  g_float_sink = _mm512_reduce_add_ps(sum);
  return Seconds(start);
}

__attribute__((target("avx2,fma"))) double FmaYmm(long n) {
  const auto start = std::chrono::steady_clock::now();
  __m256 acc[kYmmChains];
  for (int j = 0; j < kYmmChains; ++j) acc[j] = _mm256_set1_ps(static_cast<float>(j + g_zero));
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.001f);
  for (long i = 0; i < n; ++i) {
    for (int j = 0; j < kYmmChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], a, b);
  }
  __m256 sum = acc[0];
  for (int j = 1; j < kYmmChains; ++j) sum = _mm256_add_ps(sum, acc[j]);
  g_float_sink = _mm256_cvtss_f32(sum);
  return Seconds(start);
}
#elif defined(__aarch64__)
__attribute__((target("arch=armv8.2-a+dotprod"))) double SdotQ(long n) {
  const auto start = std::chrono::steady_clock::now();
  int32x4_t acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = vdupq_n_s32(j + g_zero);
  const int8x16_t a = vdupq_n_s8(static_cast<int8_t>(3 + g_zero)), b = vdupq_n_s8(5);
  for (long i = 0; i < n; ++i) {
    for (int j = 0; j < kChains; ++j) acc[j] = vdotq_s32(acc[j], a, b);
  }
  int32x4_t sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = vaddq_s32(sum, acc[j]);
  g_int_sink = vgetq_lane_s32(sum, 0);
  return Seconds(start);
}

double FmlaQ(long n) {
  const auto start = std::chrono::steady_clock::now();
  float32x4_t acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = vdupq_n_f32(static_cast<float>(j + g_zero));
  const float32x4_t a = vdupq_n_f32(0.999f), b = vdupq_n_f32(0.001f);
  for (long i = 0; i < n; ++i) {
    for (int j = 0; j < kChains; ++j) acc[j] = vfmaq_f32(acc[j], a, b);
  }
  float32x4_t sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = vaddq_f32(sum, acc[j]);
  g_float_sink = vaddvq_f32(sum);
  return Seconds(start);
}
#endif

}  // namespace

std::vector<PeakLoop> AvailablePeakLoops() {
  std::vector<PeakLoop> loops;
#if defined(__x86_64__)
  const int8::X86Features cpu = int8::DetectX86Features();
  if (int8::FindUkernels("avx512amx") != nullptr) loops.push_back({"int8_tdpbssd_amx", true, 4 * 16 * 16 * 64.0, TdpbssdAmx, "avx512amx"});
  if (cpu.avx512_vnni) loops.push_back({"int8_vpdpbusd_zmm", true, kChains * 64.0, DpbusdZmm, "avx512vnni"});
  if (cpu.avx_vnni) loops.push_back({"int8_vpdpbusd_ymm", true, kYmmChains * 32.0, DpbusdYmm, "avxvnni"});
  if (cpu.avx512) loops.push_back({"fp32_fma_zmm", false, kChains * 16.0, FmaZmm, nullptr});
  if (cpu.avx2 && cpu.fma) loops.push_back({"fp32_fma_ymm", false, kYmmChains * 8.0, FmaYmm, nullptr});
#elif defined(__aarch64__)
  if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) loops.push_back({"int8_sdot_q", true, kChains * 16.0, SdotQ, "neondot"});
  loops.push_back({"fp32_fmla_q", false, kChains * 4.0, FmlaQ, nullptr});
#endif
  return loops;
}

double MeasureGmac(const PeakLoop &loop, int repeats) {
  // 2e9 MACs per run: 5 ms at 400 GMAC/s, over a millisecond on AMX.
  const long iterations = static_cast<long>(2e9 / loop.macs_per_iteration);
  double best = 0;
  for (int r = 0; r < repeats; ++r) {
    const double seconds = loop.run(iterations);
    const double gmac = loop.macs_per_iteration * static_cast<double>(iterations) / seconds / 1e9;
    if (gmac > best) best = gmac;
  }
  return best;
}

double PeakGmac(bool int8) {
  double best = 0;
  for (const PeakLoop &loop : AvailablePeakLoops()) {
    if (loop.int8 == int8) {
      const double g = MeasureGmac(loop, 3);
      if (g > best) best = g;
    }
  }
  return best;
}

}  // namespace bench
}  // namespace kite
