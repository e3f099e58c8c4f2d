#include "suggest.hpp"

#include <algorithm>
#include <cctype>

namespace hearth::config::detail {
namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Levenshtein distance, case-insensitive.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = diagonal + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

// "baudrate" for "baud", "surplus" for "surplus_priority": one is the start of the other.
bool is_abbreviation(std::string_view a, std::string_view b) {
  constexpr size_t kMinLength = 3;
  if (a.size() > b.size()) std::swap(a, b);
  return a.size() >= kMinLength && b.starts_with(a);
}

}  // namespace

std::optional<std::string> closest_match(std::string_view name,
                                         const std::vector<std::string> &candidates) {
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const auto &candidate : candidates) {
    const size_t distance = edit_distance(name, candidate);
    // A typo changes about one character in three; more than that is another word.
    const size_t tolerated = std::max<size_t>(1, std::min(name.size(), candidate.size()) / 3);
    if (distance > tolerated && !is_abbreviation(name, candidate)) continue;
    if (!best || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string join(const std::vector<std::string> &items, std::string_view separator) {
  std::string text;
  for (const auto &item : items) {
    if (!text.empty()) text += separator;
    text += item;
  }
  return text;
}

std::string unknown_name_rule(std::string_view what, std::string_view name,
                              const std::vector<std::string> &candidates, bool always_list) {
  std::string rule = "unknown " + std::string(what) + " '" + std::string(name) + "'";
  const std::string known = "known " + std::string(what) + "s: " + join(candidates, ", ");
  if (auto match = closest_match(name, candidates)) {
    rule += "; did you mean '" + *match + "'?";
    return always_list ? rule + " " + known : rule;
  }
  if (candidates.empty()) return rule + "; none is defined";
  return rule + "; " + known;
}

}  // namespace hearth::config::detail
