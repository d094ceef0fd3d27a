// Multiply-accumulates and bytes moved per operator, for throughput numbers
// in kite bench and the kernel benchmarks.
#ifndef KITE_CONVERTER_CLI_OP_COST_H_
#define KITE_CONVERTER_CLI_OP_COST_H_

#include <cstdint>

#include "kite_generated.h"

namespace kite {
namespace cli {

struct OpCost {
  uint64_t macs = 0;   // 0 for ops without multiply-accumulates
  uint64_t bytes = 0;  // input + output activation bytes
};

OpCost CostOf(const schema::Model& model, const schema::Operator& op);

}  // namespace cli
}  // namespace kite

#endif  // KITE_CONVERTER_CLI_OP_COST_H_
