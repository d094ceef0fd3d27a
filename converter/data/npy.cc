#include "data/npy.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "writer/model_writer.h"

namespace kite {
namespace converter {
namespace {

// The value of 'key' in the header's Python dict literal, as text.
std::string Field(const std::string& header, const std::string& key, const std::string& path) {
  const size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) throw std::runtime_error(path + ": .npy header has no '" + key + "'");
  size_t v = header.find(':', k);
  if (v == std::string::npos) throw std::runtime_error(path + ": malformed .npy header");
  ++v;
  while (v < header.size() && header[v] == ' ') ++v;
  size_t end = v;
  if (header[v] == '(') {
    end = header.find(')', v);
    if (end == std::string::npos) throw std::runtime_error(path + ": malformed shape in .npy header");
    return header.substr(v + 1, end - v - 1);
  }
  if (header[v] == '\'') {
    end = header.find('\'', v + 1);
    return header.substr(v + 1, end - v - 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  return header.substr(v, end - v);
}

size_t ItemSize(const std::string& dtype, const std::string& path) {
  if (dtype.size() < 3 || (dtype[0] != '<' && dtype[0] != '|')) {
    throw std::runtime_error(path + ": dtype '" + dtype + "' is not little-endian");
  }
  return static_cast<size_t>(std::stoi(dtype.substr(2)));
}

float HalfToFloat(uint16_t h) {
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  float v;
  if (exponent == 0) v = std::ldexp(static_cast<float>(mantissa), -24);  // zero, subnormal
  else if (exponent == 31) v = mantissa == 0 ? INFINITY : NAN;
  else v = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  return (h & 0x8000) ? -v : v;
}

template <typename T, typename Out = float>
void Widen(const std::vector<uint8_t>& bytes, std::vector<Out>* out) {
  out->resize(bytes.size() / sizeof(T));
  for (size_t i = 0; i < out->size(); ++i) {
    T v;
    std::memcpy(&v, &bytes[i * sizeof(T)], sizeof(T));
    (*out)[i] = static_cast<Out>(v);
  }
}

// The type character and size of a little-endian or byte-order-free dtype
// ("<i4" -> "i4"), or "".
std::string Kind(const std::string& t) { return t.size() >= 3 && (t[0] == '<' || t[0] == '|') ? t.substr(1) : ""; }

}  // namespace

NpyArray ToFloat32(const NpyArray& a, const std::string& path) {
  std::vector<float> values;
  const std::string& t = a.dtype;
  const std::string kind = Kind(t);
  if (kind == "f4") Widen<float>(a.data, &values);
  else if (kind == "f8") Widen<double>(a.data, &values);
  else if (kind == "f2") {
    values.resize(a.data.size() / 2);
    for (size_t i = 0; i < values.size(); ++i) values[i] = HalfToFloat(static_cast<uint16_t>(a.data[2 * i] | (a.data[2 * i + 1] << 8)));
  } else if (kind == "i1") Widen<int8_t>(a.data, &values);
  else if (kind == "i2") Widen<int16_t>(a.data, &values);
  else if (kind == "i4") Widen<int32_t>(a.data, &values);
  else if (kind == "i8") Widen<int64_t>(a.data, &values);
  else if (kind == "u1" || kind == "b1") Widen<uint8_t>(a.data, &values);
  else if (kind == "u2") Widen<uint16_t>(a.data, &values);
  else if (kind == "u4") Widen<uint32_t>(a.data, &values);
  else if (kind == "u8") Widen<uint64_t>(a.data, &values);
  else throw std::runtime_error(path + ": dtype '" + t + "' cannot be converted to float32");
  if (kind == "b1") {
    for (float& v : values) v = v != 0.0f ? 1.0f : 0.0f;
  }
  NpyArray out;
  out.dtype = "<f4";
  out.shape = a.shape;
  out.data.resize(values.size() * sizeof(float));
  if (!values.empty()) std::memcpy(out.data.data(), values.data(), out.data.size());
  return out;
}

NpyArray ToIntegerType(const NpyArray& a, const std::string& to, const std::string& path) {
  const std::string kind = Kind(a.dtype);
  const bool to_bool = to == "|b1";
  // 8-byte integers read as such (a double holds them exactly only below 2^53).
  std::vector<int64_t> exact;
  std::vector<double> values;
  if (kind == "i8") Widen<int64_t, int64_t>(a.data, &exact);
  else if (kind == "u8") {
    std::vector<uint64_t> u;
    Widen<uint64_t, uint64_t>(a.data, &u);
    for (uint64_t v : u) {
      if (v > static_cast<uint64_t>(INT64_MAX)) throw std::runtime_error(path + ": the value " + std::to_string(v) + " does not fit " + to);
      exact.push_back(static_cast<int64_t>(v));
    }
  } else {
    const NpyArray f = ToFloat32(a, path);  // every other dtype is exact in float32 but int32/uint32 past 2^24
    if (kind == "i4") Widen<int32_t, double>(a.data, &values);
    else if (kind == "u4") Widen<uint32_t, double>(a.data, &values);
    else if (kind == "f8") Widen<double, double>(a.data, &values);
    else Widen<float, double>(f.data, &values);
  }
  if (values.empty()) values.assign(exact.begin(), exact.end());
  double lo = 0, hi = 1;
  size_t bytes = 1;
  if (to == "|u1") hi = 255;
  else if (to == "<i4") lo = -2147483648.0, hi = 2147483647.0, bytes = 4;
  else if (to == "<i8") lo = -9223372036854775808.0, hi = 9223372036854775807.0, bytes = 8;
  else if (!to_bool) throw std::runtime_error(path + ": cannot convert to " + to);
  NpyArray out;
  out.dtype = to;
  out.shape = a.shape;
  out.data.resize(values.size() * bytes);
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (!to_bool && (v != std::floor(v) || v < lo || v > hi)) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.9g", v);
      throw std::runtime_error(path + ": element " + std::to_string(i) + " is " + buf + ", not a value of " + to);
    }
    if (to_bool) out.data[i] = v != 0.0 ? 1 : 0;
    else if (bytes == 1) out.data[i] = static_cast<uint8_t>(v);
    else if (bytes == 4) {
      const int32_t x = static_cast<int32_t>(v);
      std::memcpy(&out.data[i * 4], &x, 4);
    } else {
      const int64_t x = exact.empty() ? static_cast<int64_t>(v) : exact[i];
      std::memcpy(&out.data[i * 8], &x, 8);
    }
  }
  return out;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

NpyArray ReadNpy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string bytes = ss.str();
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw std::runtime_error(path + ": not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw std::runtime_error(path + ": truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    throw std::runtime_error(path + ": unsupported .npy version " + std::to_string(major));
  }
  if (offset + header_len > bytes.size()) throw std::runtime_error(path + ": truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  NpyArray a;
  a.dtype = Field(header, "descr", path);
  if (Field(header, "fortran_order", path).find("True") != std::string::npos) {
    throw std::runtime_error(path + ": Fortran-ordered arrays are not supported (save with C order)");
  }
  std::stringstream shape(Field(header, "shape", path));
  std::string dim;
  while (std::getline(shape, dim, ',')) {
    if (dim.find_first_not_of(" ") == std::string::npos) continue;
    a.shape.push_back(std::stoll(dim));
  }
  size_t count = 1;
  for (int64_t d : a.shape) count *= static_cast<size_t>(d);
  const size_t need = count * ItemSize(a.dtype, path);
  if (bytes.size() - offset - header_len != need) {
    throw std::runtime_error(path + ": holds " + std::to_string(bytes.size() - offset - header_len) + " data bytes, shape " +
                             ShapeText(a.shape) + " of " + a.dtype + " needs " + std::to_string(need));
  }
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(offset + header_len), bytes.end());
  return a;
}

void WriteNpy(const std::string& path, const NpyArray& a) {
  std::string header = "{'descr': '" + a.dtype + "', 'fortran_order': False, 'shape': " + ShapeText(a.shape) + ", }";
  // Pad so the data starts at a multiple of 64 bytes, ending with a newline.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size() & 0xff),
                              static_cast<uint8_t>(header.size() >> 8)};
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), a.data.begin(), a.data.end());
  WriteFileAtomically(path, out);
}

std::string SafeFileName(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

}  // namespace converter
}  // namespace kite
