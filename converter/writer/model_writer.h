// Writing .kite files from the FlatBuffers object API (schema::ModelT): the
// memory plan, serialization with 64-byte-aligned constants, and an atomic
// file write. The converter and the test model builder both use it.
#ifndef KITE_CONVERTER_WRITER_MODEL_WRITER_H_
#define KITE_CONVERTER_WRITER_MODEL_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kite_generated.h"

namespace kite {
namespace converter {

// Assigns every activation (a tensor without constant data that an operator
// writes or the graph takes as input) an arena offset with the greedy-by-size
// planner over lifetimes in operator order, and fills model.plan with the
// arena size and the lower bound. Throws std::runtime_error when the graph
// reads a tensor before it is written.
void PlanMemory(schema::ModelT& model);

// Serializes with the file identifier; a version of 0 is first set to the
// runtime's format version. buffers[0] must be the empty sentinel.
std::vector<uint8_t> SerializeModel(schema::ModelT& model);

// Writes bytes to path.tmp, then renames over path: a reader never sees a
// half-written file. Throws std::runtime_error with the reason on failure.
void WriteFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace converter
}  // namespace kite

#endif  // KITE_CONVERTER_WRITER_MODEL_WRITER_H_
