#pragma once
// Checks on data that crossed the C ABI: a plugin may hand us any bytes, and what we keep must
// be well-formed (a string value NUL-terminated inside its array, a bool 0 or 1, a finite double).
#include <hearth/plugin.h>

#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::bus {

// The name of a HEARTH_VALUE_* type ("double"), or "unknown".
std::string_view value_type_name(int32_t value_type);
bool is_value_type(int32_t value_type);  // DOUBLE, INT, BOOL or STRING

// nullopt when the value is well-formed, else why not.
std::optional<std::string> check_value(const hearth_value &value);

// The text in a fixed char array, if it is NUL-terminated inside it.
template <size_t N>
std::optional<std::string_view> bounded_text(const char (&text)[N]) {
  const void *nul = std::memchr(text, '\0', N);
  if (nul == nullptr) return std::nullopt;
  return std::string_view(text, static_cast<size_t>(static_cast<const char *>(nul) - text));
}

}  // namespace hearth::bus
