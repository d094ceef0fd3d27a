#include "writer/model_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "core/tensor.h"
#include "kite/kite.h"
#include "loader/model.h"
#include "planner/greedy_planner.h"

namespace kite {
namespace converter {
namespace {

constexpr int32_t kNotProduced = INT32_MAX;

uint64_t BytesOf(const schema::TensorT& t) {
  uint64_t bytes = DtypeSize(static_cast<kite_dtype>(t.type));  // the schema's and the API's numbers agree
  for (int32_t d : t.shape) bytes *= static_cast<uint64_t>(d);
  return bytes;
}

}  // namespace

void PlanMemory(schema::ModelT& model) {
  const int32_t num_tensors = static_cast<int32_t>(model.tensors.size());
  const int32_t num_ops = static_cast<int32_t>(model.operators.size());
  std::vector<int32_t> first(num_tensors, kNotProduced), last(num_tensors, -1);
  auto is_constant = [&](int32_t t) { return model.tensors[t]->buffer != 0; };
  for (const auto& entry : model.inputs) first[entry->tensor] = -1;
  for (int32_t n = 0; n < num_ops; ++n) {
    for (int32_t t : model.operators[n]->inputs) {
      if (t < 0 || is_constant(t)) continue;
      if (first[t] == kNotProduced) {
        throw std::runtime_error("operator " + std::to_string(n) + " reads tensor '" +
                                 model.tensors[t]->name + "' before it is written");
      }
      last[t] = std::max(last[t], n);
    }
    for (int32_t t : model.operators[n]->outputs) {
      first[t] = n;
      last[t] = std::max(last[t], n);
    }
  }
  for (const auto& entry : model.outputs) last[entry->tensor] = num_ops;

  // In place: an op's output shares its input's bytes when the input dies at
  // that op and the op allows it (the runtime's plan check accepts exactly
  // this). Tensors that share bytes form one buffer.
  std::vector<int32_t> owner(num_tensors);
  for (int32_t t = 0; t < num_tensors; ++t) owner[t] = t;
  for (int32_t n = 0; n < num_ops; ++n) {
    const auto& op = *model.operators[n];
    if (op.outputs.size() != 1) continue;
    const int32_t out = op.outputs[0];
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      const int32_t in = op.inputs[k];
      if (in < 0 || is_constant(in) || last[in] != n || first[in] == kNotProduced) continue;
      const auto& ti = *model.tensors[in];
      const auto& to = *model.tensors[out];
      if (ti.type != to.type || BytesOf(ti) != BytesOf(to)) continue;
      if (!OpAllowsInPlace(op.opcode, static_cast<int>(k), ti.shape == to.shape)) continue;
      owner[out] = owner[in];
      break;
    }
  }

  std::vector<PlannedBuffer> buffers;
  std::vector<int32_t> buffer_of(num_tensors, -1);
  for (int32_t t = 0; t < num_tensors; ++t) {
    model.tensors[t]->arena_offset = -1;
    if (is_constant(t) || first[t] == kNotProduced) continue;
    const int32_t root = owner[t];
    if (buffer_of[root] < 0) {
      buffer_of[root] = static_cast<int32_t>(buffers.size());
      PlannedBuffer b;
      b.bytes = BytesOf(*model.tensors[t]);
      b.first = first[t];
      b.last = std::max(last[t], first[t]);
      buffers.push_back(b);
    }
    PlannedBuffer& b = buffers[buffer_of[root]];
    b.first = std::min(b.first, first[t]);
    b.last = std::max(b.last, std::max(last[t], first[t]));
    buffer_of[t] = buffer_of[root];
  }
  std::vector<int32_t> scratch(2 * buffers.size() + 1);
  const int32_t count = static_cast<int32_t>(buffers.size());
  const uint64_t arena = PlanGreedyBySize(buffers.data(), count, KITE_ARENA_ALIGNMENT, scratch.data());
  if (arena > kMaxArenaBytes) {
    throw std::runtime_error("the model needs an arena of " + std::to_string(arena) +
                             " bytes; the runtime accepts at most 16 GiB");
  }
  for (int32_t t = 0; t < num_tensors; ++t) {
    if (buffer_of[t] >= 0) model.tensors[t]->arena_offset = static_cast<int64_t>(buffers[buffer_of[t]].offset);
  }
  model.plan = std::make_unique<schema::MemoryPlanT>();
  model.plan->arena_size = arena;
  model.plan->alignment = KITE_ARENA_ALIGNMENT;
  // The lower bound counts every tensor alive at each op, shared bytes once:
  // the in-place groups are what the plan can at best reuse.
  model.plan->lower_bound = LiveBytesLowerBound(buffers.data(), count);
}

std::vector<uint8_t> SerializeModel(schema::ModelT& model) {
  if (model.version == 0) model.version = KITE_FORMAT_VERSION;
  flatbuffers::FlatBufferBuilder builder(1 << 16);
  builder.Finish(schema::Model::Pack(builder, &model), schema::ModelIdentifier());
  return std::vector<uint8_t>(builder.GetBufferPointer(),
                              builder.GetBufferPointer() + builder.GetSize());
}

void WriteFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  const std::string temp = path + ".tmp";
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) {
    throw std::runtime_error("cannot write '" + temp + "': " + std::strerror(errno));
  }
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    std::remove(temp.c_str());
    throw std::runtime_error("cannot write '" + temp + "': disk full or I/O error");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temp.c_str());
    throw std::runtime_error("cannot rename '" + temp + "' to '" + path + "': " + reason);
  }
}

}  // namespace converter
}  // namespace kite
