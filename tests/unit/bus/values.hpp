#pragma once
// Builders for the ABI's value structs, so tests read like the values they mean.
#include <hearth/plugin.h>

#include <cstring>
#include <string_view>

namespace hearth::bus::testing {

inline hearth_value double_value(double d) {
  hearth_value value{};
  value.type = HEARTH_VALUE_DOUBLE;
  value.as.d = d;
  return value;
}

inline hearth_value int_value(int64_t i) {
  hearth_value value{};
  value.type = HEARTH_VALUE_INT;
  value.as.i = i;
  return value;
}

inline hearth_value bool_value(bool b) {
  hearth_value value{};
  value.type = HEARTH_VALUE_BOOL;
  value.as.b = b ? 1 : 0;
  return value;
}

inline hearth_value string_value(std::string_view text) {
  hearth_value value{};
  value.type = HEARTH_VALUE_STRING;
  std::memcpy(value.as.s, text.data(), std::min(text.size(), sizeof(value.as.s) - 1));
  return value;
}

inline hearth_arg arg(std::string_view name, hearth_value value) {
  hearth_arg result{};
  std::memcpy(result.name, name.data(), std::min(name.size(), sizeof(result.name) - 1));
  result.value = value;
  return result;
}

}  // namespace hearth::bus::testing
