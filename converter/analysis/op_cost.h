// Multiply-accumulates and bytes moved per operator, for throughput numbers
// in kite bench and the kernel benchmarks, and the float share of an int8
// model's work in mixed precision.
#ifndef KITE_CONVERTER_ANALYSIS_OP_COST_H_
#define KITE_CONVERTER_ANALYSIS_OP_COST_H_

#include <cstdint>

#include "kite_generated.h"

namespace kite {
namespace converter {

struct OpCost {
  uint64_t macs = 0;   // 0 for ops without multiply-accumulates
  uint64_t bytes = 0;  // input + output activation bytes
};

OpCost CostOf(const schema::Model& model, const schema::Operator& op);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_ANALYSIS_OP_COST_H_
