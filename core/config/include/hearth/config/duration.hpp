// Durations as an integrator writes them in YAML: "250ms", "1.5s", "10min", "2h".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::config {

// Milliseconds, or nullopt when the text is not a number followed by ms, s, min or h, is negative,
// is not a whole number of milliseconds, or exceeds about 100 years.
std::optional<int64_t> parse_duration_ms(std::string_view text);

// The shortest exact spelling in the units above: 250 → "250ms", 1500 → "1.5s", 600000 → "10min".
std::string format_duration_ms(int64_t ms);

}  // namespace hearth::config
