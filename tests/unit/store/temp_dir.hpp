#pragma once
// A fresh directory per test under the system temp dir, removed afterwards: the store tests use
// real SQLite files, and each test must start from an empty disk.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

namespace hearth::store::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device entropy;
    const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string name = std::string("hearth-store-") + (info ? info->name() : "test") + "-" +
                             std::to_string(entropy());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::filesystem::path &path() const { return path_; }
  std::filesystem::path file(const std::string &name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace hearth::store::testing
