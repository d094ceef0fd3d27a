// Seeded mutations of a valid .kite file, from blind byte damage to edits of
// single FlatBuffers fields (a shape, an index, a quantization parameter, an
// operator option, a plan offset) that leave a well-formed FlatBuffer behind,
// so the edit reaches the checks past the FlatBuffers verifier. Used by the
// mutation test and the structure-aware fuzz target.
#ifndef KITE_TESTS_SUPPORT_MODEL_MUTATOR_H_
#define KITE_TESTS_SUPPORT_MODEL_MUTATOR_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace kite {
namespace testing {

enum class MutationKind {
  kBitFlip,     // 1 to 4 bits, 3 in 4 in the structure, else anywhere (weights too)
  kTruncation,  // the file cut short
  kWordEdit,    // a 4-byte word of the FlatBuffers structure set to a boundary value
  kFieldEdit,   // one field of the model changed, the FlatBuffer rebuilt
};
constexpr MutationKind kAllMutationKinds[] = {MutationKind::kBitFlip, MutationKind::kTruncation,
                                              MutationKind::kWordEdit, MutationKind::kFieldEdit};
const char* MutationKindName(MutationKind kind);

class ModelMutator {
 public:
  // `model` must load (kite_model_load): a converted model does.
  explicit ModelMutator(std::vector<uint8_t> model);

  // A mutant of the model; `what` receives a description to print on failure.
  std::vector<uint8_t> Mutate(MutationKind kind, std::mt19937& rng, std::string* what) const;

 private:
  size_t RandomStructureOffset(std::mt19937& rng) const;
  std::vector<uint8_t> EditField(std::mt19937& rng, std::string* what) const;

  std::vector<uint8_t> model_;
  // Byte ranges [begin, end) outside the constant buffers' data, and their
  // total size: where the FlatBuffers tables, vectors and offsets live.
  std::vector<std::pair<size_t, size_t>> structure_;
  size_t structure_bytes_ = 0;
};

}  // namespace testing
}  // namespace kite

#endif  // KITE_TESTS_SUPPORT_MODEL_MUTATOR_H_
