#pragma once
// Hash maps keyed by std::string that can be searched with a string_view or a C string without
// building a std::string first (the ABI hands us C strings on hot paths).
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hearth::bus {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

}  // namespace hearth::bus
