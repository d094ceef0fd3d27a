// The kernel tests' main: `--kite_kernels=reference` or `--kite_kernels=optimized`
// (the default) picks the kernels every test's prepare uses, so ctest runs the
// whole suite once per kernel set: the same testers, the same expectations.
#include <cstring>

#include <gtest/gtest.h>

#include "support/test_util.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--kite_kernels=reference") == 0) {
      kite::testing::SetTestKernelSet(kite::KernelSet::kReference);
    } else if (std::strcmp(argv[i], "--kite_kernels=optimized") == 0) {
      kite::testing::SetTestKernelSet(kite::KernelSet::kOptimized);
    } else {
      std::fprintf(stderr, "unknown argument %s (--kite_kernels=reference|optimized)\n", argv[i]);
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
