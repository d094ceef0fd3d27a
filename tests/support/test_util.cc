#include "support/test_util.h"

#include "executor/c_api_internal.h"
#include "kernels/int8/ukernels.h"

#include <cmath>
#include <cstdlib>
#include <memory>

namespace kite {
namespace testing {
namespace {

KernelSet g_test_kernel_set = KernelSet::kOptimized;

}  // namespace

KernelSet TestKernelSet() { return g_test_kernel_set; }
void SetTestKernelSet(KernelSet set) { g_test_kernel_set = set; }

RunResult RunModel(const AlignedBytes& bytes, const std::vector<std::vector<uint8_t>>& inputs) {
  return RunModelWith(bytes, inputs, nullptr, 1);
}

std::vector<Int16x8Run> RunDense16x8(const AlignedBytes& model, const std::vector<std::vector<uint8_t>>& inputs,
                                     const std::string& reference, const std::string& portable) {
  return RunEveryInt8Variant(model, inputs, reference, [&](const int8::Ukernels* v) {
    return v->gemm16x8 != nullptr ? std::string(v->gemm16x8_name) : portable;
  });
}

std::vector<Int16x8Run> RunEveryInt8Variant(const AlignedBytes& model, const std::vector<std::vector<uint8_t>>& inputs,
                                            const std::string& reference,
                                            const std::function<std::string(const int8::Ukernels*)>& kernel_of) {
  if (TestKernelSet() == KernelSet::kReference) return {{"reference", reference, RunModel(model, inputs)}};
  std::vector<Int16x8Run> runs = {{"default", kernel_of(int8::BestUkernels()), RunModel(model, inputs)}};
  const int8::Ukernels* variants[int8::kMaxUkernels];
  const size_t count = int8::AvailableUkernels(variants);
  for (size_t i = 0; i < count; ++i) {
    runs.push_back({variants[i]->name, kernel_of(variants[i]), RunModelWith(model, inputs, variants[i], 1)});
  }
  return runs;
}

RunResult RunModelWith(const AlignedBytes& bytes, const std::vector<std::vector<uint8_t>>& inputs,
                       const int8::Ukernels* ukernels, int threads) {
  RunResult result;
  kite_error error;
  kite_model* model = nullptr;
  result.status = kite_model_load(bytes.data(), bytes.size(), &model, &error);
  if (result.status != KITE_OK) {
    result.error = error.message;
    return result;
  }
  kite_options options = KITE_OPTIONS_DEFAULT;
  options.kernels = KernelsOf(TestKernelSet());
  result.status = kite_arena_size_with_options(model, &options, &result.arena_bytes, &error);
  if (result.status != KITE_OK) {
    result.error = error.message;
    kite_model_free(model);
    return result;
  }
  void* arena = std::aligned_alloc(KITE_ARENA_ALIGNMENT, result.arena_bytes);
  kite_interpreter* interpreter = nullptr;
  result.status = kite_interpreter_create_with_options(model, &options, arena, result.arena_bytes, &interpreter, &error);
  if (result.status != KITE_OK) {
    result.error = error.message;
  } else {
    interpreter->impl.set_int8_ukernels(ukernels);
    result.status = kite_interpreter_set_num_threads(interpreter, threads);
    if (result.status == KITE_OK) result.status = kite_interpreter_prepare(interpreter);
    for (size_t i = 0; result.status == KITE_OK && i < inputs.size(); ++i) {
      result.status = kite_interpreter_set_input(interpreter, i, inputs[i].data(), inputs[i].size());
    }
    if (result.status == KITE_OK) result.status = kite_interpreter_invoke(interpreter);
    if (result.status == KITE_OK) {
      for (size_t i = 0; i < kite_interpreter_output_count(interpreter); ++i) {
        kite_tensor_info info;
        kite_interpreter_output_info(interpreter, i, &info);
        std::vector<uint8_t> out(info.bytes);
        kite_interpreter_get_output(interpreter, i, out.data(), out.size());
        result.outputs.push_back(std::move(out));
      }
      const Interpreter& impl = interpreter->impl;
      for (int32_t n = 0; n < impl.num_nodes(); ++n) {
        result.kernels.push_back(impl.node(n).kernel_name);
        result.declined.push_back(impl.node(n).declined != nullptr ? impl.node(n).declined : "");
      }
    } else {
      result.error = kite_interpreter_error(interpreter);
    }
    kite_interpreter_free(interpreter);
  }
  std::free(arena);
  kite_model_free(model);
  return result;
}

uint32_t TestSeed() {
  const int seed = ::testing::UnitTest::GetInstance()->random_seed();
  return seed == 0 ? 1u : static_cast<uint32_t>(seed);
}

uint32_t DeterministicSeed(uint32_t fixed) {
  const int flag = GTEST_FLAG_GET(random_seed);
  return flag != 0 ? static_cast<uint32_t>(flag) : fixed;
}

int8_t SpecRoundToInt8(float value_over_scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  float v = value_over_scale;
  const float lo = static_cast<float>(qmin - zero_point);
  const float hi = static_cast<float>(qmax - zero_point);
  if (!(v >= lo)) v = lo;
  if (v > hi) v = hi;
  return static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(v)) + zero_point);
}

int16_t SpecRoundToInt16(float value_over_scale, int32_t qmin, int32_t qmax) {
  float v = value_over_scale;
  if (!(v >= static_cast<float>(qmin))) v = static_cast<float>(qmin);
  if (v > static_cast<float>(qmax)) v = static_cast<float>(qmax);
  return static_cast<int16_t>(std::nearbyint(v));
}

void ExpectNearAll(const std::vector<float>& actual, const std::vector<double>& expected,
                   double abs_tolerance, double rel_tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  size_t failures = 0;
  for (size_t i = 0; i < actual.size() && failures < 10; ++i) {
    const double tolerance = abs_tolerance + rel_tolerance * std::fabs(expected[i]);
    if (std::isnan(expected[i]) && std::isnan(actual[i])) continue;
    if (!(std::fabs(actual[i] - expected[i]) <= tolerance)) {
      ADD_FAILURE() << "element " << i << ": got " << actual[i] << ", expected " << expected[i]
                    << " (tolerance " << tolerance << ")";
      ++failures;
    }
  }
}

void ExpectEqualInt8(const std::vector<int8_t>& actual, const std::vector<int8_t>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  size_t failures = 0;
  for (size_t i = 0; i < actual.size() && failures < 10; ++i) {
    if (actual[i] != expected[i]) {
      ADD_FAILURE() << "element " << i << ": got " << int{actual[i]} << ", expected "
                    << int{expected[i]};
      ++failures;
    }
  }
}

BothKernelSets RunOnBothKernelSets(const AlignedBytes& model, const std::vector<std::vector<uint8_t>>& inputs) {
  BothKernelSets runs;
  {
    const ScopedKernelSet kernels(KernelSet::kReference);
    runs.reference = RunModel(model, inputs);
  }
  {
    const ScopedKernelSet kernels(KernelSet::kOptimized);
    runs.optimized = RunModel(model, inputs);
  }
  return runs;
}

}  // namespace testing
}  // namespace kite
