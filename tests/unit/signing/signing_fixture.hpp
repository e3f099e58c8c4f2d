#pragma once
// A temp dir holding a real ELF file to sign (a copy of the test binary, named like a plugin),
// and helpers to write files into it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <hearth/signing/plugin_signature.hpp>
#include <string>

#include "hearth/testing/child_process.hpp"

namespace hearth::signing {

class SigningTest : public ::testing::Test {
 protected:
  SigningTest() { std::filesystem::copy_file("/proc/self/exe", plugin_); }

  std::filesystem::path file(const std::string &name) const { return dir_ / name; }

  static void write(const std::filesystem::path &path, const std::string &text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }
  static std::string read(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  hearth::testing::TempDir temp_;
  const std::filesystem::path dir_ = temp_.path();
  const std::filesystem::path plugin_ = dir_ / "vendor_driver.so";
};

}  // namespace hearth::signing
