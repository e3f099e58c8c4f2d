#include "hearth/config/config.hpp"

namespace hearth::config {

std::string Error::to_string() const {
  std::string text = mark.file;
  if (mark.line > 0) text += ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column);
  text += ": ";
  if (!key.empty()) text += key + ": ";
  return text + rule;
}

std::string format_errors(const std::vector<Error> &errors) {
  std::string text;
  for (const auto &error : errors) text += error.to_string() + "\n";
  return text;
}

}  // namespace hearth::config
