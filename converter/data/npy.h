// NumPy .npy files (format versions 1-3, little-endian, C order): the input
// and output format of `kite run` and `kite compare`.
#ifndef KITE_CONVERTER_DATA_NPY_H_
#define KITE_CONVERTER_DATA_NPY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kite {
namespace converter {

struct NpyArray {
  std::string dtype;  // numpy descr: "<f4", "|i1", ...
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

// Throws std::runtime_error naming the file and what is wrong.
NpyArray ReadNpy(const std::string& path);
void WriteNpy(const std::string& path, const NpyArray& array);
// The array's values as float32 ("<f4"): from float16/32/64, signed and
// unsigned integers of 1-8 bytes and bool. Throws naming `path` for other
// dtypes (complex, strings, big-endian).
NpyArray ToFloat32(const NpyArray& array, const std::string& path);
// The array's values as "|u1", "<i4", "<i8" or "|b1" (nonzero is true): each
// must be a whole number the type holds, or it throws naming `path` and the
// first element that is not (nothing is rounded or wrapped silently).
NpyArray ToIntegerType(const NpyArray& array, const std::string& to, const std::string& path);
std::string ShapeText(const std::vector<int64_t>& shape);

// A graph input/output name made safe as a file name: every character outside
// [A-Za-z0-9_.-] becomes '_' (`kite run` writes NAME.npy; calibration reads it).
std::string SafeFileName(const std::string& name);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_DATA_NPY_H_
