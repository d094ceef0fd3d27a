#include "support/model_mutator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>

#include "kite_generated.h"  // the object API (schema::ModelT)

namespace kite {
namespace testing {
namespace {

template <typename T>
T Pick(std::mt19937& rng, const std::vector<T>& values) {
  return values[std::uniform_int_distribution<size_t>(0, values.size() - 1)(rng)];
}

// 0 <= result < n (0 when n is 0).
size_t Below(std::mt19937& rng, size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng); }

// Values at the edges of what a field may hold, and its neighbours.
int32_t BoundaryInt(std::mt19937& rng, int32_t current) {
  // Neighbours wrap around in unsigned arithmetic (no signed overflow).
  const uint32_t c = static_cast<uint32_t>(current);
  return Pick<int32_t>(rng, {0, 1, -1, 2, 3, 7, 64, 255, 65536, std::numeric_limits<int32_t>::max(),
                             std::numeric_limits<int32_t>::min(), static_cast<int32_t>(c + 1), static_cast<int32_t>(c - 1),
                             static_cast<int32_t>(c * 2)});
}

float BoundaryFloat(std::mt19937& rng) {
  return Pick<float>(rng, {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(), 1e-30f});
}

std::string Describe(const char* field, size_t index, double value) {
  return std::string(field) + " #" + std::to_string(index) + " := " + std::to_string(value);
}

// One edit of a vector of indices or dimensions: an element changed, one
// added or one removed.
std::string EditInts(std::mt19937& rng, std::vector<int32_t>& v, const char* field, int32_t num_tensors) {
  const size_t how = Below(rng, 4);
  if (how == 0 || v.empty()) {
    v.push_back(Pick<int32_t>(rng, {1, -1, 0, num_tensors - 1}));
    return std::string(field) + ": element appended";
  }
  if (how == 1) {
    v.erase(v.begin() + static_cast<ptrdiff_t>(Below(rng, v.size())));
    return std::string(field) + ": element removed";
  }
  const size_t i = Below(rng, v.size());
  v[i] = how == 2 && num_tensors > 0 ? Pick<int32_t>(rng, {-1, -2, num_tensors, static_cast<int32_t>(Below(rng, num_tensors))})
                                     : BoundaryInt(rng, v[i]);
  return Describe(field, i, v[i]);
}

template <typename Options>
std::string EditIntMember(std::mt19937& rng, Options& o, const std::vector<std::pair<int32_t Options::*, const char*>>& fields) {
  const auto& [member, name] = fields[Below(rng, fields.size())];
  o.*member = BoundaryInt(rng, o.*member);
  return std::string(name) + " := " + std::to_string(o.*member);
}

// Edits one field of an operator's options, whatever their type.
std::string EditOptions(std::mt19937& rng, schema::OpOptionsUnion& u) {
  using namespace schema;
  if (auto* o = u.AsConv2DOptions()) {
    if (Below(rng, 4) == 0) return "conv activation_min := " + std::to_string(o->activation_min = BoundaryFloat(rng));
    return EditIntMember<Conv2DOptionsT>(rng, *o, {{&Conv2DOptionsT::stride_h, "stride_h"}, {&Conv2DOptionsT::stride_w, "stride_w"},
                                                   {&Conv2DOptionsT::dilation_h, "dilation_h"}, {&Conv2DOptionsT::dilation_w, "dilation_w"},
                                                   {&Conv2DOptionsT::pad_top, "pad_top"}, {&Conv2DOptionsT::pad_left, "pad_left"},
                                                   {&Conv2DOptionsT::pad_bottom, "pad_bottom"}, {&Conv2DOptionsT::pad_right, "pad_right"},
                                                   {&Conv2DOptionsT::groups, "groups"}});
  }
  if (auto* o = u.AsConvTranspose2DOptions()) {
    return EditIntMember<ConvTranspose2DOptionsT>(
        rng, *o, {{&ConvTranspose2DOptionsT::stride_h, "stride_h"}, {&ConvTranspose2DOptionsT::stride_w, "stride_w"},
                  {&ConvTranspose2DOptionsT::dilation_h, "dilation_h"}, {&ConvTranspose2DOptionsT::pad_top, "pad_top"},
                  {&ConvTranspose2DOptionsT::pad_right, "pad_right"}, {&ConvTranspose2DOptionsT::output_padding_h, "output_padding_h"},
                  {&ConvTranspose2DOptionsT::output_padding_w, "output_padding_w"}, {&ConvTranspose2DOptionsT::groups, "groups"}});
  }
  if (auto* o = u.AsPool2DOptions()) {
    return EditIntMember<Pool2DOptionsT>(rng, *o, {{&Pool2DOptionsT::kernel_h, "kernel_h"}, {&Pool2DOptionsT::kernel_w, "kernel_w"},
                                                   {&Pool2DOptionsT::stride_h, "stride_h"}, {&Pool2DOptionsT::stride_w, "stride_w"},
                                                   {&Pool2DOptionsT::dilation_h, "dilation_h"}, {&Pool2DOptionsT::pad_top, "pad_top"},
                                                   {&Pool2DOptionsT::pad_bottom, "pad_bottom"}, {&Pool2DOptionsT::pad_left, "pad_left"}});
  }
  if (auto* o = u.AsPadOptions()) return EditInts(rng, Below(rng, 2) ? o->pads_begin : o->pads_end, "pads", 0);
  if (auto* o = u.AsSliceOptions()) return EditInts(rng, Below(rng, 2) ? o->begin : o->step, "slice", 0);
  if (auto* o = u.AsTransposeOptions()) return EditInts(rng, o->perm, "perm", 0);
  if (auto* o = u.AsReduceOptions()) return EditInts(rng, o->axes, "axes", 0);
  if (auto* o = u.AsConcatOptions()) return "concat axis := " + std::to_string(o->axis = BoundaryInt(rng, o->axis));
  if (auto* o = u.AsSplitOptions()) return "split axis := " + std::to_string(o->axis = BoundaryInt(rng, o->axis));
  if (auto* o = u.AsSoftmaxOptions()) return "softmax axis := " + std::to_string(o->axis = BoundaryInt(rng, o->axis));
  if (auto* o = u.AsResizeOptions()) {
    switch (Below(rng, 4)) {
      case 0: o->mode = static_cast<ResizeMode>(Pick<int>(rng, {0, 1, 2, -1})); return "resize mode";
      case 1: o->coordinate_transform = static_cast<CoordinateTransform>(Pick<int>(rng, {0, 3, 4, 100})); return "resize transform";
      case 2: o->nearest_rounding = static_cast<NearestRounding>(Pick<int>(rng, {0, 3, 4, -128})); return "resize rounding";
      default: return "resize scale_h := " + std::to_string(o->scale_h = BoundaryFloat(rng));
    }
  }
  if (auto* o = u.AsClipOptions()) return "clip min := " + std::to_string(o->min = BoundaryFloat(rng));
  if (auto* o = u.AsBinaryOptions()) return "activation_max := " + std::to_string(o->activation_max = BoundaryFloat(rng));
  if (auto* o = u.AsFullyConnectedOptions()) return "activation_min := " + std::to_string(o->activation_min = BoundaryFloat(rng));
  if (auto* o = u.AsLeakyReluOptions()) return "leaky alpha := " + std::to_string(o->alpha = BoundaryFloat(rng));
  if (auto* o = u.AsHardSigmoidOptions()) return "hard sigmoid alpha := " + std::to_string(o->alpha = BoundaryFloat(rng));
  u.Reset();
  return "options removed";
}

std::string EditTensor(std::mt19937& rng, schema::ModelT& m, size_t index) {
  schema::TensorT& t = *m.tensors[index];
  const std::string where = "tensor " + std::to_string(index) + " '" + t.name + "': ";
  switch (Below(rng, 8)) {
    case 0:
    case 1: return where + EditInts(rng, t.shape, "shape", 0);
    case 2:
      t.type = static_cast<schema::DataType>(Pick<int>(rng, {0, 1, 2, 3, -1, 127}));
      return where + "dtype := " + std::to_string(static_cast<int>(t.type));
    case 3:
      t.buffer = Pick<uint32_t>(rng, {0u, 1u, static_cast<uint32_t>(m.buffers.size() - 1), static_cast<uint32_t>(m.buffers.size()),
                                      std::numeric_limits<uint32_t>::max(), static_cast<uint32_t>(Below(rng, m.buffers.size()))});
      return where + "buffer := " + std::to_string(t.buffer);
    case 4: {
      const int64_t arena = m.plan ? static_cast<int64_t>(m.plan->arena_size) : 0;
      const auto plus = [](int64_t v, int64_t d) { return static_cast<int64_t>(static_cast<uint64_t>(v) + static_cast<uint64_t>(d)); };
      t.arena_offset = Pick<int64_t>(rng, {-1, -2, 0, plus(t.arena_offset, 4), plus(t.arena_offset, -4), plus(t.arena_offset, 1), arena, plus(arena, -4),
                                           std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()});
      return where + "arena_offset := " + std::to_string(t.arena_offset);
    }
    default: {
      if (!t.quantization) t.quantization = std::make_unique<schema::QuantizationT>();
      schema::QuantizationT& q = *t.quantization;
      switch (Below(rng, 5)) {
        case 0:
          if (q.scale.empty()) q.scale.push_back(1.0f);
          q.scale[Below(rng, q.scale.size())] = BoundaryFloat(rng);
          return where + "a scale := boundary value";
        case 1:
          if (q.zero_point.empty()) q.zero_point.assign(q.scale.size(), 0);
          if (q.zero_point.empty()) return where + "no zero points";
          q.zero_point[Below(rng, q.zero_point.size())] = Pick<int64_t>(rng, {-129, 128, -128, 127, int64_t{1} << 40, std::numeric_limits<int64_t>::min(), 1});
          return where + "a zero point := boundary value";
        case 2:
          q.quantized_dimension = Pick<int32_t>(rng, {-1, 0, 1, 3, 5, 6, 100});
          return where + "quantized_dimension := " + std::to_string(q.quantized_dimension);
        case 3:
          if (!q.scale.empty() && Below(rng, 2)) q.scale.pop_back(); else q.scale.push_back(0.5f);
          return where + "scale count changed";
        default:
          t.quantization.reset();
          return where + "quantization removed";
      }
    }
  }
}

std::string EditOperator(std::mt19937& rng, schema::ModelT& m, size_t index) {
  schema::OperatorT& op = *m.operators[index];
  const int32_t num_tensors = static_cast<int32_t>(m.tensors.size());
  const std::string where = "operator " + std::to_string(index) + " (" + schema::EnumNameOpCode(op.opcode) + "): ";
  switch (Below(rng, 7)) {
    case 0:
      op.opcode = Pick<schema::OpCode>(rng, {schema::OpCode_INVALID, schema::OpCode_CONV_2D, schema::OpCode_ADD, schema::OpCode_SOFTMAX,
                                             schema::OpCode_RESHAPE, schema::OpCode_CONCAT, schema::OpCode_QUANTIZE,
                                             static_cast<schema::OpCode>(9999),
                                             schema::EnumValuesOpCode()[Below(rng, std::size(schema::EnumValuesOpCode()))]});
      return where + "opcode := " + std::to_string(static_cast<int>(op.opcode));
    case 1: return where + EditInts(rng, op.inputs, "inputs", num_tensors);
    case 2: return where + EditInts(rng, op.outputs, "outputs", num_tensors);
    case 3: return where + EditOptions(rng, op.options);
    case 4: {
      const size_t other = Below(rng, m.operators.size());
      std::swap(op.options, m.operators[other]->options);
      return where + "options swapped with operator " + std::to_string(other);
    }
    case 5: {
      const size_t other = Below(rng, m.operators.size());
      std::swap(m.operators[index], m.operators[other]);
      return where + "order swapped with operator " + std::to_string(other);
    }
    default:
      if (m.operators.size() == 1) return where + "kept (the only operator)";
      m.operators.erase(m.operators.begin() + static_cast<ptrdiff_t>(index));
      return where + "removed";
  }
}

}  // namespace

const char* MutationKindName(MutationKind kind) {
  switch (kind) {
    case MutationKind::kBitFlip: return "bit flip";
    case MutationKind::kTruncation: return "truncation";
    case MutationKind::kWordEdit: return "word edit";
    case MutationKind::kFieldEdit: return "field edit";
  }
  return "?";
}

ModelMutator::ModelMutator(std::vector<uint8_t> model) : model_(std::move(model)) {
  // The constant data, sorted by position; the rest is structure.
  std::vector<std::pair<size_t, size_t>> data;
  const schema::Model* m = schema::GetModel(model_.data());
  if (m->buffers() != nullptr) {
    for (const schema::Buffer* b : *m->buffers()) {
      if (b->data() == nullptr || b->data()->size() == 0) continue;
      const size_t begin = static_cast<size_t>(b->data()->data() - model_.data());
      data.emplace_back(begin, begin + b->data()->size());
    }
  }
  std::sort(data.begin(), data.end());
  size_t at = 0;
  for (const auto& [begin, end] : data) {
    if (begin > at) structure_.emplace_back(at, begin);
    at = std::max(at, end);
  }
  if (at < model_.size()) structure_.emplace_back(at, model_.size());
  for (const auto& [begin, end] : structure_) structure_bytes_ += end - begin;
}

size_t ModelMutator::RandomStructureOffset(std::mt19937& rng) const {
  size_t k = Below(rng, structure_bytes_);
  for (const auto& [begin, end] : structure_) {
    if (k < end - begin) return begin + k;
    k -= end - begin;
  }
  return 0;
}

std::vector<uint8_t> ModelMutator::EditField(std::mt19937& rng, std::string* what) const {
  std::unique_ptr<schema::ModelT> m = schema::UnPackModel(model_.data());
  if (m->tensors.empty() || m->operators.empty()) return Mutate(MutationKind::kWordEdit, rng, what);
  // A verified file may name an options type without a table (runs get the
  // defaults); the object API's Pack cannot write that back.
  for (auto& op : m->operators) {
    if (op->options.value == nullptr) op->options.Reset();
  }
  std::string edit;
  switch (Below(rng, 10)) {
    case 0:
    case 1:
    case 2:
    case 3: edit = EditTensor(rng, *m, Below(rng, m->tensors.size())); break;
    case 4:
    case 5:
    case 6: edit = EditOperator(rng, *m, Below(rng, m->operators.size())); break;
    case 7: {
      std::vector<std::unique_ptr<schema::SignatureEntryT>>& entries = Below(rng, 2) ? m->inputs : m->outputs;
      if (entries.empty()) {
        edit = "no signature entries";
      } else {
        schema::SignatureEntryT& e = *entries[Below(rng, entries.size())];
        e.tensor = Pick<int32_t>(rng, {-1, static_cast<int32_t>(m->tensors.size()), static_cast<int32_t>(Below(rng, m->tensors.size()))});
        edit = "signature entry '" + e.name + "' tensor := " + std::to_string(e.tensor);
      }
      break;
    }
    case 8: {
      if (m->buffers.size() < 2) {
        edit = "no buffers";
        break;
      }
      std::vector<uint8_t>& data = m->buffers[1 + Below(rng, m->buffers.size() - 1)]->data;
      if (Below(rng, 2) && !data.empty()) data.pop_back(); else data.push_back(0);
      edit = "a constant buffer's size changed";
      break;
    }
    default:
      if (!m->plan) m->plan = std::make_unique<schema::MemoryPlanT>();
      switch (Below(rng, 3)) {
        case 0: m->plan->arena_size = Pick<uint64_t>(rng, {0, m->plan->arena_size / 2, m->plan->arena_size - 4, uint64_t{1} << 62}); break;
        case 1: m->plan->alignment = Pick<uint32_t>(rng, {0, 1, 3, 63, 1u << 31}); break;
        default: m->version = Pick<uint32_t>(rng, {0, 1, 4, std::numeric_limits<uint32_t>::max()}); break;
      }
      edit = "plan or version edited";
  }
  *what = edit;
  flatbuffers::FlatBufferBuilder builder(model_.size() + 4096);
  builder.Finish(schema::Model::Pack(builder, m.get()), schema::ModelIdentifier());
  return std::vector<uint8_t>(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
}

std::vector<uint8_t> ModelMutator::Mutate(MutationKind kind, std::mt19937& rng, std::string* what) const {
  if (kind == MutationKind::kFieldEdit) return EditField(rng, what);
  std::vector<uint8_t> out = model_;
  switch (kind) {
    case MutationKind::kBitFlip: {
      const size_t flips = 1 + Below(rng, 4);
      *what = std::to_string(flips) + " bit flips at";
      for (size_t i = 0; i < flips; ++i) {
        const size_t at = Below(rng, 4) != 0 ? RandomStructureOffset(rng) : Below(rng, out.size());
        out[at] ^= static_cast<uint8_t>(1u << Below(rng, 8));
        *what += " " + std::to_string(at);
      }
      break;
    }
    case MutationKind::kTruncation: {
      // Short files, and files missing only their last bytes.
      const size_t keep = Below(rng, 2) ? Below(rng, out.size()) : out.size() - 1 - Below(rng, std::min<size_t>(out.size(), 256));
      out.resize(keep);
      *what = "truncated to " + std::to_string(keep) + " bytes";
      break;
    }
    default: {
      const size_t at = std::min(RandomStructureOffset(rng) & ~size_t{3}, out.size() - 4);
      uint32_t word = 0;
      std::memcpy(&word, out.data() + at, 4);
      const uint32_t value = Pick<uint32_t>(rng, {0u, 1u, 0xffffffffu, 0x7fffffffu, 0x80000000u, word + 1, word - 1, word + 4,
                                                 word ^ 0x10000u, static_cast<uint32_t>(out.size())});
      std::memcpy(out.data() + at, &value, 4);
      *what = "word at " + std::to_string(at) + " := " + std::to_string(value);
      break;
    }
  }
  return out;
}

}  // namespace testing
}  // namespace kite
