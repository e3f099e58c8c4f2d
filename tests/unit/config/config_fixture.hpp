// Writes YAML files into a fresh temp dir and loads them with the test catalog.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <hearth/config/config.hpp>
#include <string>
#include <vector>

#include "test_catalog.hpp"

namespace hearth::config::testing {

// A valid site section. Tests put it last so that the lines they check start at 1.
inline constexpr const char *kSite = R"(site:
  name: Testhaus
  grid: three-phase-4w
  fuse_a: 35
  pv_installed_wp: 9800
  location: { lat: 48.14, lon: 11.58, timezone: Europe/Berlin }
)";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "hearth-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The path of a file in the temp dir, as errors name it.
  std::string path(const std::string &name) const { return (dir_ / name).string(); }

  void write(const std::string &name, const std::string &text) const {
    std::filesystem::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }

  LoadResult load(const std::string &name) const { return load_file(dir_ / name, catalog_); }

  // Writes main.yaml (the text, then a valid site) and returns every error as text.
  std::vector<std::string> errors_of(const std::string &text) {
    write("main.yaml", text + kSite);
    return messages(load("main.yaml"));
  }

  static std::vector<std::string> messages(const LoadResult &result) {
    std::vector<std::string> lines;
    for (const auto &error : result.errors) lines.push_back(error.to_string());
    return lines;
  }

  // "<dir>/main.yaml:line:col: rest"
  std::string at(int line, int column, const std::string &rest,
                 const std::string &file = "main.yaml") const {
    return path(file) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + rest;
  }

  std::filesystem::path dir_;
  DriverTable catalog_ = make_catalog();
};

}  // namespace hearth::config::testing
