// The subcommands of the `kite` command line.
#ifndef KITE_CONVERTER_CLI_COMMANDS_H_
#define KITE_CONVERTER_CLI_COMMANDS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kite {
namespace cli {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;  // NAME=FILE.npy
  uint64_t seed = 0;
  std::string output_dir;
};

struct InspectArgs {
  std::string model;
  bool json = false;
  bool kernel_shapes = false;
};

struct BenchArgs {
  std::string model;
  int threads = 1;
  int warmup = 3;
  int runs = 10;
  double min_time_s = 0;
  int top = 20;
  uint32_t seed = 0;
  bool json = false;
};

// Each throws std::runtime_error with a one-line reason on failure.
void RunModel(const RunArgs& args);
void InspectModel(const InspectArgs& args);
void BenchModel(const BenchArgs& args);

// A graph input/output name made safe as a file name: every character outside
// [A-Za-z0-9_.-] becomes '_'.
std::string SafeFileName(const std::string& name);

}  // namespace cli
}  // namespace kite

#endif  // KITE_CONVERTER_CLI_COMMANDS_H_
