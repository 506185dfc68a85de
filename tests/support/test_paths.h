// Paths the tests use: golden fixtures under tests/reference, a per-test scratch directory.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace lethe::testing {

inline std::string fixture(const std::string& rel) { return std::string(LETHE_TEST_DATA) + "/" + rel; }

// A fresh, empty directory for the running test (removed and re-created).
inline std::string scratch_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path p = std::filesystem::temp_directory_path() / "lethe_tests" /
                            (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

}  // namespace lethe::testing
