#pragma once
// Helpers shared by the tests in tests/abi.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <hearth/plugin.h>

#include <hearth/testing/fake_host.hpp>
#include <string>

namespace hearth::abi_test {

inline std::string test_plugin(const std::string &name) {
  return std::string(ABI_TEST_PLUGIN_DIR) + "/" + name + ".so";
}
inline std::string hostile_plugin(const std::string &name) {
  return std::string(HEARTH_HOSTILE_PLUGIN_DIR) + "/" + name + ".so";
}

// The entry function of a plugin library (opened for good, like hearthd does), or nullptr.
inline hearth_plugin_entry_fn entry_of(const std::string &path) {
  void *library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return nullptr;
  return reinterpret_cast<hearth_plugin_entry_fn>(dlsym(library, HEARTH_PLUGIN_ENTRY_SYMBOL));
}

// Fails the current test for every ABI rule the plugin broke.
inline void expect_no_violations(const testing::FakeHost &host) {
  for (const auto &v : host.violations()) ADD_FAILURE() << v.device << ": " << v.rule;
}

}  // namespace hearth::abi_test
