#pragma once
// A temp dir holding a file to sign, named like a plugin (300 kB of fixed pseudo-random bytes:
// the signature covers bytes, whatever they are; one test uses a real shared library), and
// helpers to write files into it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <hearth/signing/plugin_signature.hpp>
#include <random>
#include <string>

#include "hearth/testing/child_process.hpp"

namespace hearth::signing {

class SigningTest : public ::testing::Test {
 protected:
  SigningTest() {
    std::mt19937 bytes(8);  // fixed seed: the same file in every run
    std::string content(300'000, '\0');
    for (char &byte : content) byte = static_cast<char>(bytes());
    write(plugin_, content);
  }

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
