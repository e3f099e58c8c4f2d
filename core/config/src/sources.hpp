// Reading the top file and the files it includes, and gathering their sections.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "yaml_nodes.hpp"

namespace hearth::config::detail {

// Everything the files say, still unchecked, each part with its place.
struct Sources {
  std::vector<std::string> files;  // in the order read: the top file first
  // Sections that may appear once across all files: site, hal, energy, state_dir, plugin_path.
  std::map<std::string, Entry> sections;
  std::vector<Entry> links;      // every link, across files; names are unique
  std::vector<Located> devices;  // every device entry, in file order
  bool unreadable = false;       // a file could not be read or parsed: the rest is not trustworthy
  Mark top;                      // the top file's beginning, for what is missing altogether

  const Entry *section(const std::string &name) const;
};

Sources read_sources(const std::filesystem::path &top_file, std::vector<Error> &errors);

}  // namespace hearth::config::detail
