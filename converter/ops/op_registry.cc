#include <map>

#include "ops/op_rule.h"

namespace kite {
namespace converter {

const OpRule* FindOpRule(const std::string& op_type) {
  static const std::map<std::string, const OpRule*> rules = [] {
    std::map<std::string, const OpRule*> m;
    for (const std::vector<OpRule>* family :
         {&ElementwiseOps(), &ConvOps(), &PoolOps(), &MatMulOps(), &NormalizationOps(), &DataMovementOps(), &ResizeOps(),
          &ReduceOps(), &ConstantOnlyOps(), &IndexingOps(), &CompositeOps(), &QuantizationOps()}) {
      for (const OpRule& rule : *family) m[rule.op_type] = &rule;
    }
    return m;
  }();
  auto it = rules.find(op_type);
  return it == rules.end() ? nullptr : it->second;
}

}  // namespace converter
}  // namespace kite
