// "did you mean ...?" for misspelt keys and names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::config::detail {

// The candidate closest to `name` if it is near enough to be a typo.
std::optional<std::string> closest_match(std::string_view name,
                                         const std::vector<std::string> &candidates);

// "unknown <what> 'name'; did you mean 'x'?" or "unknown <what> 'name'; known <what>s: a, b"
// (or "...; none is defined" when there are no candidates).
// With `always_list`, the known names follow a suggestion too (for drivers: which plugins are
// loaded is worth seeing).
std::string unknown_name_rule(std::string_view what, std::string_view name,
                              const std::vector<std::string> &candidates, bool always_list = false);

std::string join(const std::vector<std::string> &items, std::string_view separator);

}  // namespace hearth::config::detail
