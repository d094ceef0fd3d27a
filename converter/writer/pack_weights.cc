#include "writer/pack_weights.h"

#include <cstring>
#include <memory>
#include <string>

#include "kernels/int8/packed_weights.h"

namespace kite {
namespace converter {
namespace {

using int8::kBlockChannels;

std::vector<uint8_t> WithHeader(uint32_t layout, int32_t out_channels, int32_t kernel_h, int32_t kernel_w,
                                int32_t tap_channels, int32_t input_zero_point, uint64_t block_bytes) {
  int8::PackedHeader h{};
  h.magic = int8::kPackedMagic;
  h.layout = layout;
  h.out_channels = out_channels;
  h.kernel_h = kernel_h;
  h.kernel_w = kernel_w;
  h.tap_channels = tap_channels;
  h.input_zero_point = input_zero_point;
  h.block_bytes = block_bytes;
  h.blocks = int8::PackedBlocks(layout, out_channels, kernel_h, kernel_w);
  std::vector<uint8_t> bytes(sizeof(h) + block_bytes * h.blocks, 0);
  std::memcpy(bytes.data(), &h, sizeof(h));
  return bytes;
}

template <typename T>
void Put(std::vector<uint8_t>& bytes, size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

// bias - zero_point * sum, modulo 2^32 (the accumulators wrap the same way).
int32_t Corrected(int32_t bias, int64_t zero_point, int64_t sum) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<int64_t>(bias) - zero_point * sum));
}

}  // namespace

namespace {

// Channel j of the GEMM block at `block`: `w` holds its taps x tap_channels
// weights, tap-major.
void PutGemmChannel(std::vector<uint8_t>& bytes, size_t block, size_t j, const int8_t* w, int32_t taps,
                    int32_t tap_channels, int32_t bias, float scale, int32_t input_zero_point) {
  const int64_t kc4 = int8::RoundUp(tap_channels, 4) / 4;
  int64_t sum = 0;
  for (int32_t t = 0; t < taps; ++t) {
    for (int32_t ic = 0; ic < tap_channels; ++ic) {
      const int8_t v = w[static_cast<size_t>(t) * tap_channels + ic];
      sum += v;
      const size_t at = block + int8::kGemmBlockHeaderBytes +
                        static_cast<size_t>((t * kc4 + ic / 4) * kBlockChannels * 4) + j * 4 + ic % 4;
      bytes[at] = static_cast<uint8_t>(v);
    }
  }
  Put(bytes, block + j * 4, Corrected(bias, input_zero_point, sum));
  Put(bytes, block + 64 + j * 4, Corrected(bias, int64_t{input_zero_point} + 128, sum));
  Put(bytes, block + 128 + j * 4, scale);
}

}  // namespace

namespace {

// The GEMM layout's blocks of `taps` x `tap_channels` weights per channel,
// under `layout`'s header.
std::vector<uint8_t> PackGemmBlocks(uint32_t layout, const int8_t* weights, int32_t out_channels, int32_t kernel_h,
                                    int32_t kernel_w, int32_t taps, int32_t tap_channels, const int32_t* bias,
                                    const std::vector<float>& scales, int32_t input_zero_point) {
  const uint64_t block_bytes = int8::GemmBlockBytes(taps, tap_channels);
  std::vector<uint8_t> bytes =
      WithHeader(layout, out_channels, kernel_h, kernel_w, tap_channels, input_zero_point, block_bytes);
  const size_t per_channel = static_cast<size_t>(taps) * static_cast<size_t>(tap_channels);
  for (int32_t oc = 0; oc < out_channels; ++oc) {
    const size_t block = sizeof(int8::PackedHeader) + static_cast<size_t>(oc / kBlockChannels) * block_bytes;
    PutGemmChannel(bytes, block, static_cast<size_t>(oc % kBlockChannels), weights + static_cast<size_t>(oc) * per_channel,
                   taps, tap_channels, bias != nullptr ? bias[oc] : 0, scales[static_cast<size_t>(oc)], input_zero_point);
  }
  return bytes;
}

}  // namespace

std::vector<uint8_t> PackGemmWeights(const int8_t* weights, int32_t out_channels, int32_t kernel_h, int32_t kernel_w,
                                     int32_t tap_channels, const int32_t* bias, const std::vector<float>& scales,
                                     int32_t input_zero_point) {
  return PackGemmBlocks(int8::kPackedGemm, weights, out_channels, kernel_h, kernel_w, kernel_h * kernel_w,
                        tap_channels, bias, scales, input_zero_point);
}

std::vector<uint8_t> PackKernelRowWeights(const int8_t* weights, int32_t out_channels, int32_t kernel_h,
                                          int32_t kernel_w, int32_t in_channels, const int32_t* bias,
                                          const std::vector<float>& scales, int32_t input_zero_point) {
  // [oc][kh][kw][in] is [oc][kh][kw x in]: a kernel row's weights are one tap's.
  return PackGemmBlocks(int8::kPackedGemmRows, weights, out_channels, kernel_h, kernel_w, kernel_h,
                        kernel_w * in_channels, bias, scales, input_zero_point);
}

std::vector<uint8_t> PackDeconvWeights(const int8_t* weights, int32_t out_channels, int32_t kernel_h, int32_t kernel_w,
                                       int32_t in_channels, const int32_t* bias, const std::vector<float>& scales,
                                       int32_t input_zero_point) {
  const uint64_t block_bytes = int8::GemmBlockBytes(1, in_channels);
  std::vector<uint8_t> bytes =
      WithHeader(int8::kPackedDeconv, out_channels, kernel_h, kernel_w, in_channels, input_zero_point, block_bytes);
  const uint64_t row_blocks = int8::DeconvRowBlocks(out_channels, kernel_w);
  for (int32_t ky = 0; ky < kernel_h; ++ky) {
    for (int32_t kx = 0; kx < kernel_w; ++kx) {
      for (int32_t oc = 0; oc < out_channels; ++oc) {
        const int64_t j = int64_t{kx} * out_channels + oc;  // the channel in row ky's GEMM
        const size_t block = sizeof(int8::PackedHeader) +
                             static_cast<size_t>(ky * row_blocks + static_cast<uint64_t>(j / kBlockChannels)) * block_bytes;
        const int8_t* w = weights + ((static_cast<size_t>(oc) * kernel_h + ky) * kernel_w + kx) * in_channels;
        PutGemmChannel(bytes, block, static_cast<size_t>(j % kBlockChannels), w, 1, in_channels,
                       bias != nullptr ? bias[oc] : 0, scales[static_cast<size_t>(oc)], input_zero_point);
      }
    }
  }
  return bytes;
}

std::vector<uint8_t> PackDepthwiseWeights(const int8_t* weights, int32_t channels, int32_t kernel_h, int32_t kernel_w,
                                          const int32_t* bias, const std::vector<float>& scales,
                                          int32_t input_zero_point) {
  const int32_t taps = kernel_h * kernel_w;
  const uint64_t block_bytes = int8::DepthwiseBlockBytes(taps);
  std::vector<uint8_t> bytes =
      WithHeader(int8::kPackedDepthwise, channels, kernel_h, kernel_w, channels, input_zero_point, block_bytes);
  for (int32_t c = 0; c < channels; ++c) {
    const size_t block =
        sizeof(int8::PackedHeader) + static_cast<size_t>(c / int8::kDepthwiseBlockChannels) * block_bytes;
    const size_t j = static_cast<size_t>(c % int8::kDepthwiseBlockChannels);
    int64_t sum = 0;
    for (int32_t t = 0; t < taps; ++t) {
      const int8_t v = weights[static_cast<size_t>(c) * taps + t];
      sum += v;
      const size_t at =
          block + int8::kDepthwiseBlockHeaderBytes + int8::DepthwiseWeightIndex(static_cast<size_t>(t), j) * sizeof(int16_t);
      Put(bytes, at, static_cast<int16_t>(v));
    }
    const size_t lane = int8::DepthwiseLane(j);
    Put(bytes, block + lane * 4, Corrected(bias != nullptr ? bias[c] : 0, input_zero_point, sum));
    Put(bytes, block + 128 + lane * 4, scales[static_cast<size_t>(c)]);
  }
  return bytes;
}

int PackInt8Weights(schema::ModelT& model) {
  int packed = 0;
  const auto tensor = [&](int32_t i) -> schema::TensorT* { return i >= 0 ? model.tensors[i].get() : nullptr; };
  const auto data = [&](const schema::TensorT* t) -> const std::vector<uint8_t>& { return model.buffers[t->buffer]->data; };
  const auto zero_point = [](const schema::TensorT& t) {
    return t.quantization->zero_point.empty() ? 0 : static_cast<int32_t>(t.quantization->zero_point[0]);
  };
  for (auto& op : model.operators) {
    const bool conv = op->opcode == schema::OpCode_CONV_2D;
    const bool deconv = op->opcode == schema::OpCode_CONV_TRANSPOSE_2D;
    if ((!conv && !deconv && op->opcode != schema::OpCode_FULLY_CONNECTED) || op->inputs.size() < 2 ||
        op->inputs.size() > 3) {
      continue;
    }
    const schema::TensorT* x = tensor(op->inputs[0]);
    const schema::TensorT* w = tensor(op->inputs[1]);
    const schema::TensorT* b = op->inputs.size() > 2 ? tensor(op->inputs[2]) : nullptr;
    const schema::TensorT* y = tensor(op->outputs[0]);
    if (x == nullptr || x->type != schema::DataType_INT8 || !x->quantization || x->quantization->scale.size() != 1 ||
        w == nullptr || w->type != schema::DataType_INT8 || w->buffer == 0 || !w->quantization ||
        y->type != schema::DataType_INT8 || !y->quantization || y->quantization->scale.size() != 1 ||
        (b != nullptr && (b->type != schema::DataType_INT32 || b->buffer == 0))) {
      continue;
    }
    const int32_t out_c = w->shape[0];
    int32_t kh = 1, kw = 1, tap_channels = 0;
    bool depthwise = false, kernel_rows = false;
    if (conv) {
      const auto* o = op->options.AsConv2DOptions();
      if (o == nullptr || w->shape.size() != 4 || x->shape.size() != 4) continue;
      kh = w->shape[1];
      kw = w->shape[2];
      tap_channels = w->shape[3];
      depthwise = o->groups > 1;
      if (depthwise && !(o->groups == x->shape[3] && out_c == x->shape[3] && tap_channels == 1)) continue;
      if (!depthwise && o->groups != 1) continue;
      kernel_rows = !depthwise && int8::UseKernelRows(kh, kw, tap_channels, o->dilation_w);
    } else if (deconv) {
      // Only where taps do not overlap: each output pixel is one tap's product.
      const auto* o = op->options.AsConvTranspose2DOptions();
      if (o == nullptr || w->shape.size() != 4 || x->shape.size() != 4 || o->groups != 1 ||
          o->stride_h != w->shape[1] || o->stride_w != w->shape[2] || o->dilation_h != 1 || o->dilation_w != 1 ||
          o->pad_top != 0 || o->pad_left != 0 || o->pad_bottom != 0 || o->pad_right != 0 ||
          o->output_padding_h != 0 || o->output_padding_w != 0) {
        continue;
      }
      kh = w->shape[1];
      kw = w->shape[2];
      tap_channels = w->shape[3];
    } else {
      if (w->shape.size() != 2) continue;
      tap_channels = w->shape[1];
    }
    // The requantization scales exactly as the runtime computes them.
    const std::vector<float>& ws = w->quantization->scale;
    if (ws.size() != 1 && ws.size() != static_cast<size_t>(out_c)) continue;
    const float x_scale = x->quantization->scale[0], y_scale = y->quantization->scale[0];
    std::vector<float> scales(static_cast<size_t>(out_c));
    for (int32_t c = 0; c < out_c; ++c) {
      const float weight_scale = ws.size() > 1 ? ws[static_cast<size_t>(c)] : ws[0];
      scales[static_cast<size_t>(c)] = x_scale * weight_scale / y_scale;
    }
    const int8_t* wv = reinterpret_cast<const int8_t*>(data(w).data());
    const int32_t* bv = b != nullptr ? reinterpret_cast<const int32_t*>(data(b).data()) : nullptr;
    const int32_t zp = zero_point(*x);
    std::vector<uint8_t> bytes = depthwise   ? PackDepthwiseWeights(wv, out_c, kh, kw, bv, scales, zp)
                                 : deconv    ? PackDeconvWeights(wv, out_c, kh, kw, tap_channels, bv, scales, zp)
                                 : kernel_rows ? PackKernelRowWeights(wv, out_c, kh, kw, tap_channels, bv, scales, zp)
                                             : PackGemmWeights(wv, out_c, kh, kw, tap_channels, bv, scales, zp);
    auto t = std::make_unique<schema::TensorT>();
    t->name = w->name + "/packed";
    // int32 words: a packed buffer is a multiple of 64 bytes, and needs no
    // quantization parameters.
    t->type = schema::DataType_INT32;
    t->shape = {static_cast<int32_t>(bytes.size() / 4)};
    auto buffer = std::make_unique<schema::BufferT>();
    buffer->data = std::move(bytes);
    model.buffers.push_back(std::move(buffer));
    t->buffer = static_cast<uint32_t>(model.buffers.size() - 1);
    model.tensors.push_back(std::move(t));
    if (op->inputs.size() == 2) op->inputs.push_back(-1);
    op->inputs.push_back(static_cast<int32_t>(model.tensors.size() - 1));
    ++packed;
  }
  return packed;
}

}  // namespace converter
}  // namespace kite
