// Thousands of seeded mutations of real converted models (bit flips,
// truncations, word edits, FlatBuffers field edits): each must be rejected
// with a status and a message, or run. In the sanitizer build (scripts/test.sh
// --sanitize) a run that reads or writes out of bounds, or overflows, stops
// the test. The mutants are the same every run (seed 20261201 unless
// --gtest_random_seed says otherwise): rerun a failing case with
// KITE_MUTATION_TRACE=1 to print each mutation before it runs and keep the
// current mutant in the test's work folder (crashing_mutant.kite), to become a
// regression file (tests/fuzz/regressions/). AddressSanitizer reports also
// name the mutation through its death callback. The counts (rejected at which
// stage / ran) are printed per model and kind.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "convert.h"
#include "models/real_models.h"
#include "support/model_mutator.h"
#include "support/test_util.h"
#include "support/untrusted_model.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#include <sanitizer/common_interface_defs.h>
#define KITE_HAVE_SANITIZER_CALLBACK 1
#endif

namespace kite {
namespace testing {
namespace {

struct MutationCase {
  const char* model;  // a RealModels() name
  bool int8;
  int per_kind;         // mutations of each kind
  int reference_every;  // every Nth mutant runs on the reference kernels (0: none)
};

// Every real model. The small ones get the most mutations and run on both
// kernel sets; each mutant that is not rejected costs a whole invoke. About 6
// minutes of CPU in a release build. Under the sanitizers an invoke of the
// larger models takes 1-5 s (MlsdLarge320: 21 min for its 1000 mutants), so
// that build runs a tenth of their mutants and a quarter of the small
// models' (kSanitizerShare): the full count runs in the release build, and
// fuzz_model_structure covers the same edits.
const MutationCase kCases[] = {
    {"BlazeFaceFront", false, 1000, 4}, {"BlazeFaceFront", true, 1000, 4}, {"PpOcrCls", false, 1000, 4},
    {"PpOcrCls", true, 1000, 4},        {"PpOcrRec", true, 300, 0},        {"MlsdTiny320", true, 250, 0},
    {"BlazeFaceBack", true, 250, 0},    {"PpOcrDet", true, 250, 0},        {"MlsdLarge320", true, 250, 0},
    {"MlsdTiny512", true, 250, 0},      {"MlsdLarge512", true, 125, 0},
};

#ifdef KITE_HAVE_SANITIZER_CALLBACK
constexpr int kSanitizerShare[2] = {10, 4};  // larger models, small ones
#else
constexpr int kSanitizerShare[2] = {1, 1};
#endif

// The small models are those that also run on the reference kernels.
int MutantsPerKind(const MutationCase& c) {
  const int share = kSanitizerShare[c.reference_every > 0 ? 1 : 0];
  return (c.per_kind + share - 1) / share;
}

void PrintTo(const MutationCase& c, std::ostream* os) { *os << c.model << (c.int8 ? "_int8" : "_float32"); }

// What the sanitizer's death callback reports (UndefinedBehaviorSanitizer
// exits without calling it: KITE_MUTATION_TRACE).
struct CurrentMutation {
  std::string description;
  const std::vector<uint8_t>* bytes = nullptr;
  std::string save_path;
} g_current;

#ifdef KITE_HAVE_SANITIZER_CALLBACK
void OnSanitizerDeath() {
  std::fprintf(stderr, "\nmodel_mutation_test died on: %s\n", g_current.description.c_str());
  if (g_current.bytes == nullptr) return;
  if (std::FILE* f = std::fopen(g_current.save_path.c_str(), "wb")) {
    std::fwrite(g_current.bytes->data(), 1, g_current.bytes->size(), f);
    std::fclose(f);
    std::fprintf(stderr, "the mutant is in %s: copy it to tests/fuzz/regressions/\n", g_current.save_path.c_str());
  }
}
#endif

std::vector<uint8_t> ConvertRealModel(const MutationCase& c, const std::string& work) {
  RealModel model;
  for (const RealModel& m : RealModels()) {
    if (std::string(m.name) == c.model) model = m;
  }
  converter::ConvertOptions options;
  options.import.input_shapes[model.input] = model.shape;
  if (c.int8) {
    // Two photographs: the ranges only need to be plausible here.
    const std::string calibration = work + "/calibration";
    std::filesystem::create_directories(calibration);
    for (const char* photo : {"chelsea.png", "coffee.png"}) {
      const std::string link = calibration + "/" + photo;
      if (!std::filesystem::exists(link)) std::filesystem::create_symlink(PhotosDir() + "/" + photo, link);
    }
    options.quantization.int8 = true;
    options.quantization.calibration = calibration;
    options.quantization.images.layout = model.photo.nchw ? "nchw" : "nhwc";
    for (int ch = 0; ch < 3; ++ch) {
      options.quantization.images.mean[ch] = model.photo.mean[ch];
      options.quantization.images.std[ch] = model.photo.std[ch];
    }
  }
  return converter::ConvertOnnx(ModelsDir() + "/" + model.path, options, nullptr);
}

bool IsModelError(kite_status s) { return s >= KITE_ERROR_MODEL_TOO_SMALL && s <= KITE_ERROR_MODEL_MISALIGNED; }

class ModelMutation : public ::testing::TestWithParam<MutationCase> {};

TEST_P(ModelMutation, EveryMutantIsRejectedWithAStatusOrRuns) {
  const MutationCase& c = GetParam();
  const std::string name = std::string(c.model) + (c.int8 ? "_int8" : "_float32");
  const std::string work = std::string(KITE_TEST_WORK_DIR) + "/" + name;
  std::filesystem::create_directories(work);
  const std::vector<uint8_t> original = ConvertRealModel(c, work);
  // The arena limit only keeps absurd plans from being allocated; every real
  // model here needs far less.
  constexpr size_t kMaxArena = size_t{1} << 30;
  ASSERT_EQ(RunUntrustedModel(original.data(), original.size(), kMaxArena, KITE_KERNELS_OPTIMIZED).stage, UntrustedStage::kRan);

  const uint32_t seed = DeterministicSeed(20261201);
  SCOPED_TRACE("seed " + std::to_string(seed) + " (--gtest_random_seed)");
  std::mt19937 rng(seed);
  const ModelMutator mutator(original);
#ifdef KITE_HAVE_SANITIZER_CALLBACK
  __sanitizer_set_death_callback(OnSanitizerDeath);
#endif
  g_current.save_path = work + "/crashing_mutant.kite";
  const bool trace = std::getenv("KITE_MUTATION_TRACE") != nullptr;

  const int per_kind = MutantsPerKind(c);
  std::printf("%s (%zu bytes), seed %u:\n", name.c_str(), original.size(), seed);
  for (MutationKind kind : kAllMutationKinds) {
    std::map<UntrustedStage, int> counts;
    for (int i = 0; i < per_kind; ++i) {
      std::string what;
      const std::vector<uint8_t> mutant = mutator.Mutate(kind, rng, &what);
      g_current.description = name + " " + MutationKindName(kind) + " #" + std::to_string(i) + " (seed " +
                              std::to_string(seed) + "): " + what;
      g_current.bytes = &mutant;
      if (trace) {
        std::fprintf(stderr, "%s\n", g_current.description.c_str());
        if (std::FILE* f = std::fopen(g_current.save_path.c_str(), "wb")) {
          std::fwrite(mutant.data(), 1, mutant.size(), f);
          std::fclose(f);
        }
      }
      // Both sets' checks run in every prepare; their invokes differ.
      const bool reference = c.reference_every > 0 && i % c.reference_every == 0;
      const UntrustedRunResult r = RunUntrustedModel(mutant.data(), mutant.size(), kMaxArena,
                                                     reference ? KITE_KERNELS_REFERENCE : KITE_KERNELS_OPTIMIZED);
      ++counts[r.stage];
      if (r.stage == UntrustedStage::kRan || r.stage == UntrustedStage::kTooLarge) continue;
      // Rejected: by the checks, with a model error and a message. A failure
      // after prepare accepted the model would be a hole in the checks.
      EXPECT_NE(r.stage, UntrustedStage::kInvoke) << g_current.description << ": " << r.message;
      EXPECT_TRUE(IsModelError(r.status)) << g_current.description << ": " << kite_status_string(r.status) << " "
                                          << r.message;
      EXPECT_FALSE(r.message.empty()) << g_current.description;
      if (::testing::Test::HasFailure()) return;
    }
    g_current.bytes = nullptr;
    const int ran = counts[UntrustedStage::kRan];
    const int rejected = per_kind - ran - counts[UntrustedStage::kTooLarge];
    std::printf("  %-10s %5d mutants: %5d rejected (load %d, arena size %d, create %d, prepare %d), %5d ran, %d over the arena limit\n",
                MutationKindName(kind), per_kind, rejected, counts[UntrustedStage::kLoad],
                counts[UntrustedStage::kArenaSize], counts[UntrustedStage::kCreate], counts[UntrustedStage::kPrepare], ran,
                counts[UntrustedStage::kTooLarge]);
    RecordProperty(std::string(MutationKindName(kind)) + " rejected", rejected);
    RecordProperty(std::string(MutationKindName(kind)) + " ran", ran);
    // Not vacuous: every kind of damage is caught somewhere.
    EXPECT_GT(rejected, 0) << MutationKindName(kind);
  }
  std::fflush(stdout);
}

std::string CaseName(const ::testing::TestParamInfo<MutationCase>& info) {
  return std::string(info.param.model) + (info.param.int8 ? "_int8" : "_float32");
}
INSTANTIATE_TEST_SUITE_P(RealModels, ModelMutation, ::testing::ValuesIn(kCases), CaseName);

}  // namespace
}  // namespace testing
}  // namespace kite
