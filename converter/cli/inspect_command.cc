// `kite inspect`: what a .kite file holds and what the runtime makes of it.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "analysis/op_cost.h"
#include "cli/commands.h"
#include "core/tail_allocator.h"
#include "executor/interpreter.h"
#include "kite/kite.hpp"
#include "loader/model.h"

namespace kite {
namespace cli {
namespace {

std::string Shape(const flatbuffers::Vector<int32_t>* s) {
  std::string out = "[";
  for (uint32_t i = 0; s != nullptr && i < s->size(); ++i) out += (i ? "," : "") + std::to_string(s->Get(i));
  return out + "]";
}

std::string Quant(const schema::Tensor* t) {
  const auto* q = t->quantization();
  if (q == nullptr || q->scale() == nullptr || q->scale()->size() == 0) return "";
  if (q->scale()->size() == 1) {
    char buf[64];
    const long long zp = q->zero_point() != nullptr && q->zero_point()->size() > 0 ? q->zero_point()->Get(0) : 0;
    std::snprintf(buf, sizeof(buf), "scale %.6g zp %lld", q->scale()->Get(0), zp);
    return buf;
  }
  return std::to_string(q->scale()->size()) + " per-channel scales (dim " + std::to_string(q->quantized_dimension()) + ")";
}

std::string Dims(const schema::Tensor* t) {
  std::string out;
  for (uint32_t i = 0; t->shape() != nullptr && i < t->shape()->size(); ++i) out += (i ? "x" : "") + std::to_string(t->shape()->Get(i));
  return out.empty() ? "1" : out;
}

// The kernel-benchmark line of an op, or "" for ops the benchmarks do not cover.
std::string KernelShape(const schema::Model& fb, const schema::Operator& op) {
  const auto* tensors = fb.tensors();
  auto t = [&](int i) { return tensors->Get(op.inputs()->Get(i)); };
  const std::string out = "out=" + Dims(tensors->Get(op.outputs()->Get(0)));
  char buf[256];
  switch (op.opcode()) {
    case schema::OpCode_CONV_2D: {
      const auto* o = op.options_as_Conv2DOptions();
      std::snprintf(buf, sizeof(buf), " stride=%d,%d dilation=%d,%d pad=%d,%d,%d,%d groups=%d", o->stride_h(), o->stride_w(),
                    o->dilation_h(), o->dilation_w(), o->pad_top(), o->pad_left(), o->pad_bottom(), o->pad_right(), o->groups());
      return "CONV_2D in=" + Dims(t(0)) + " w=" + Dims(t(1)) + " " + out + buf;
    }
    case schema::OpCode_FULLY_CONNECTED:
      return "FULLY_CONNECTED in=" + Dims(t(0)) + " w=" + Dims(t(1)) + " " + out;
    case schema::OpCode_ADD:
      return "ADD a=" + Dims(t(0)) + " b=" + Dims(t(1)) + " " + out;
    case schema::OpCode_MAX_POOL_2D:
    case schema::OpCode_AVERAGE_POOL_2D: {
      const auto* o = op.options_as_Pool2DOptions();
      std::snprintf(buf, sizeof(buf), " kernel=%d,%d stride=%d,%d pad=%d,%d,%d,%d", o->kernel_h(), o->kernel_w(), o->stride_h(),
                    o->stride_w(), o->pad_top(), o->pad_left(), o->pad_bottom(), o->pad_right());
      return std::string(schema::EnumNameOpCode(op.opcode())) + " in=" + Dims(t(0)) + " " + out + buf;
    }
    case schema::OpCode_GLOBAL_AVERAGE_POOL:
      return "GLOBAL_AVERAGE_POOL in=" + Dims(t(0)) + " " + out;
    case schema::OpCode_RESIZE: {
      const auto* o = op.options_as_ResizeOptions();
      return std::string("RESIZE in=") + Dims(t(0)) + " " + out + " mode=" + schema::EnumNameResizeMode(o->mode());
    }
    case schema::OpCode_CONCAT: {
      std::string line = "CONCAT";
      for (uint32_t i = 0; i < op.inputs()->size(); ++i) line += " in=" + Dims(t(static_cast<int>(i)));
      return line + " " + out + " axis=" + std::to_string(op.options_as_ConcatOptions()->axis());
    }
    default:
      return "";
  }
}

}  // namespace

void PrintKernelChoices(const nlohmann::json& ops) {
  // (kernel, reason) -> ops, in first-seen order.
  std::vector<std::pair<std::string, std::string>> keys;
  std::vector<int> counts;
  for (const auto& o : ops) {
    if (o["declined"].is_null()) continue;
    const std::pair<std::string, std::string> key{o["kernel"].get<std::string>(), o["declined"].get<std::string>()};
    const auto at = std::find(keys.begin(), keys.end(), key);
    if (at == keys.end()) {
      keys.push_back(key);
      counts.push_back(1);
    } else {
      ++counts[static_cast<size_t>(at - keys.begin())];
    }
  }
  if (keys.empty()) return;
  std::printf("\nwhy these kernels (ops whose faster kernel declined):\n");
  for (size_t k = 0; k < keys.size(); ++k) {
    std::printf("  %4d x %-34s %s\n", counts[k], keys[k].first.c_str(), keys[k].second.c_str());
  }
}

namespace {

// A .kite file's bytes, KITE_MODEL_ALIGNMENT-aligned as the runtime needs them.
struct AlignedFile {
  struct alignas(KITE_MODEL_ALIGNMENT) Line {
    uint8_t bytes[KITE_MODEL_ALIGNMENT];
  };
  std::vector<Line> lines;
  size_t size = 0;
};

AlignedFile ReadAligned(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string raw = ss.str();
  AlignedFile file;
  file.lines.resize(raw.size() / sizeof(AlignedFile::Line) + 1);
  std::memcpy(file.lines.data(), raw.data(), raw.size());
  file.size = raw.size();
  return file;
}

void LoadModel(const std::string& name, const void* data, size_t size, kite::Model* model) {
  char message[256] = {};
  const kite_status status = model->Init(data, size, message, sizeof(message));
  if (status != KITE_OK) throw std::runtime_error(name + ": " + kite_status_string(status) + ": " + message);
}

// What kite_arena_size reports for these kernels: the interpreter's handle
// as well as what its prepare lays out.
size_t ArenaSize(const std::string& name, const void* data, size_t size, kite_kernels kernels) {
  ModelHandle handle;
  if (handle.Load(data, size) != KITE_OK) throw std::runtime_error(name + ": " + handle.error());
  kite_options options = KITE_OPTIONS_DEFAULT;
  options.kernels = kernels;
  size_t bytes = 0;
  if (handle.ArenaSize(options, &bytes) != KITE_OK) throw std::runtime_error(name + ": " + handle.error());
  return bytes;
}

}  // namespace

nlohmann::json InspectReport(const std::string& name, const void* data, size_t size, const std::string& kernels_option) {
  kite::Model model;
  LoadModel(name, data, size, &model);
  // A measuring prepare: every check and kernel choice, no arena needed.
  TailAllocator measure;
  const kite_kernels kernels = KernelsOption(kernels_option);
  Interpreter interpreter(&model, &measure,
                          kernels == KITE_KERNELS_REFERENCE  ? KernelSet::kReference
                          : kernels == KITE_KERNELS_PORTABLE ? KernelSet::kPortable
                                                             : KernelSet::kOptimized);
  const kite_status status = interpreter.Prepare();
  if (status != KITE_OK) throw std::runtime_error(name + ": " + kite_status_string(status) + ": " + interpreter.error());
  const schema::Model* fb = model.fb();
  const uint64_t planned = fb->plan() != nullptr ? fb->plan()->arena_size() : interpreter.activation_bytes();
  const uint64_t lower = fb->plan() != nullptr ? fb->plan()->lower_bound() : 0;
  uint64_t constant_bytes = 0;
  for (const auto* t : *fb->tensors()) {
    if (t->buffer() != 0) constant_bytes += fb->buffers()->Get(t->buffer())->data()->size();
  }

  nlohmann::json j;
  j["file"] = name;
  j["file_bytes"] = size;
  j["tensors"] = fb->tensors()->size();
  j["format_version"] = fb->version();
  j["producer"] = fb->producer() ? fb->producer()->str() : "";
  j["source_hash"] = fb->source_hash() ? fb->source_hash()->str() : "";
  j["constant_bytes"] = constant_bytes;
  j["arena"] = {{"planned_activation_bytes", planned},
                {"lower_bound_bytes", lower},
                {"plan_to_lower_bound", lower > 0 ? static_cast<double>(planned) / static_cast<double>(lower) : 0.0},
                {"offline_plan", model.has_plan()},
                {"total_bytes", ArenaSize(name, data, size, kernels)},
                {"persistent_bytes", interpreter.persistent_bytes()}};
  auto signature = [&](const auto* entries) {
    nlohmann::json list = nlohmann::json::array();
    if (entries == nullptr) return list;
    for (const auto* e : *entries) {
      const auto* t = fb->tensors()->Get(e->tensor());
      list.push_back({{"name", e->name() ? e->name()->str() : ""},
                      {"shape", Shape(t->shape())},
                      {"dtype", schema::EnumNameDataType(t->type())},
                      {"quantization", Quant(t)}});
    }
    return list;
  };
  j["inputs"] = signature(fb->inputs());
  j["outputs"] = signature(fb->outputs());
  nlohmann::json ops = nlohmann::json::array();
  for (int32_t i = 0; i < interpreter.num_nodes(); ++i) {
    const Node& node = interpreter.node(i);
    const auto* op = node.op;
    const auto* out = fb->tensors()->Get(op->outputs()->Get(0));
    std::string in_shapes;
    for (uint32_t k = 0; op->inputs() != nullptr && k < op->inputs()->size(); ++k) {
      const int32_t id = op->inputs()->Get(k);
      if (id < 0) continue;
      const auto* t = fb->tensors()->Get(id);
      in_shapes += (in_shapes.empty() ? "" : " ") + std::string(t->buffer() != 0 ? "const" : "") + Shape(t->shape());
    }
    ops.push_back({{"index", i},
                   {"op", schema::EnumNameOpCode(op->opcode())},
                   {"node", op->source_node() ? op->source_node()->str() : ""},
                   {"dtype", schema::EnumNameDataType(out->type())},
                   {"macs", kite::converter::CostOf(*fb, *op).macs},
                   {"inputs", in_shapes},
                   {"output", Shape(out->shape())},
                   {"output_quantization", Quant(out)},
                   {"arena_offset", out->arena_offset()},
                   {"kernel", node.kernel_name},
                   {"declined", node.declined != nullptr ? nlohmann::json(node.declined) : nlohmann::json()}});
  }
  j["operators"] = ops;
  // Each op's precision: its output dtype; Quantize/Dequantize are the
  // boundaries between integer and float regions.
  int int8_ops = 0, int16_ops = 0, float_ops = 0, boundaries = 0;
  uint64_t macs = 0, integer_macs = 0;
  for (const auto& o : ops) {
    const uint64_t m = o["macs"].get<uint64_t>();
    macs += m;
    if (o["op"] == "QUANTIZE" || o["op"] == "DEQUANTIZE") ++boundaries;
    else if (o["dtype"] == "INT8") ++int8_ops, integer_macs += m;
    else if (o["dtype"] == "INT16") ++int16_ops, integer_macs += m;
    else ++float_ops;
  }
  const double integer_share = macs > 0 ? static_cast<double>(integer_macs) / static_cast<double>(macs) : 0.0;
  j["precision"] = {{"int8_ops", int8_ops}, {"int16_ops", int16_ops}, {"float_ops", float_ops},
                    {"quantize_dequantize_ops", boundaries}, {"macs", macs}, {"integer_mac_share", integer_share}};
  return j;
}

void InspectModel(const InspectArgs& args) {
  const AlignedFile file = ReadAligned(args.model);
  if (args.kernel_shapes) {
    kite::Model model;
    LoadModel(args.model, file.lines.data(), file.size, &model);
    const schema::Model* fb = model.fb();
    std::vector<std::string> seen;
    for (const auto* op : *fb->operators()) {
      const std::string line = KernelShape(*fb, *op);
      if (line.empty() || std::find(seen.begin(), seen.end(), line) != seen.end()) continue;
      seen.push_back(line);
      std::printf("%s\n", line.c_str());
    }
    return;
  }
  const nlohmann::json j = InspectReport(args.model, file.lines.data(), file.size, args.kernels);
  if (args.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  const nlohmann::json& ops = j["operators"];
  const nlohmann::json& arena = j["arena"];
  const nlohmann::json& precision = j["precision"];
  std::printf("%s: %llu bytes, format version %u, producer '%s'\n", args.model.c_str(),
              j["file_bytes"].get<unsigned long long>(), j["format_version"].get<unsigned>(),
              j["producer"].get<std::string>().c_str());
  std::printf("source sha256 %s\n", j["source_hash"].get<std::string>().c_str());
  for (const char* side : {"inputs", "outputs"}) {
    for (const auto& e : j[side]) {
      std::printf("%-7s %-24s %-16s %s %s\n", side, e["name"].get<std::string>().c_str(), e["shape"].get<std::string>().c_str(),
                  e["dtype"].get<std::string>().c_str(), e["quantization"].get<std::string>().c_str());
    }
  }
  std::printf("\n%4s  %-20s %-8s %-34s %-18s %-34s %s\n", "#", "op", "dtype", "node", "output", "kernel", "inputs");
  for (const auto& o : ops) {
    std::printf("%4d  %-20s %-8s %-34.34s %-18s %-34s %s\n", o["index"].get<int>(), o["op"].get<std::string>().c_str(),
                o["dtype"].get<std::string>().c_str(), o["node"].get<std::string>().c_str(), o["output"].get<std::string>().c_str(),
                o["kernel"].get<std::string>().c_str(), o["inputs"].get<std::string>().c_str());
  }
  PrintKernelChoices(ops);
  std::printf("\n%zu operators, %zu tensors, %llu bytes of constants\n", ops.size(), j["tensors"].get<size_t>(),
              j["constant_bytes"].get<unsigned long long>());
  std::printf("precision: %d int8 ops, %d 16x8 ops, %d float ops, %d quantize/dequantize (the dtype column is each op's); "
              "%.1f%% of %llu MACs in integer kernels\n",
              precision["int8_ops"].get<int>(), precision["int16_ops"].get<int>(), precision["float_ops"].get<int>(),
              precision["quantize_dequantize_ops"].get<int>(), 100.0 * precision["integer_mac_share"].get<double>(),
              precision["macs"].get<unsigned long long>());
  const unsigned long long planned = arena["planned_activation_bytes"], lower = arena["lower_bound_bytes"];
  std::printf("arena: activations %llu bytes planned (%s), lower bound %llu (ratio %.3f); with interpreter state %llu bytes\n",
              planned, arena["offline_plan"].get<bool>() ? "offline" : "planned at runtime", lower,
              lower > 0 ? static_cast<double>(planned) / lower : 0.0, arena["total_bytes"].get<unsigned long long>());
}

}  // namespace cli
}  // namespace kite
