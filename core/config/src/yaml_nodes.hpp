// Walking YAML nodes while keeping track of where they came from, for located error messages.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "hearth/config/config.hpp"

namespace hearth::config::detail {

// A YAML node with the file it came from and the dotted path that names it in messages.
struct Located {
  YAML::Node node;  // may be null: an absent or empty value
  std::string file;
  std::string path;
  Mark mark;  // the node's place; for an empty value the place of its key
};

// One key of a map.
struct Entry {
  std::string key;
  Mark key_mark;
  Located value;
};

Mark mark_of(const YAML::Node &node, const std::string &file);
// "file:line:col", for messages that name another place.
std::string place(const Mark &mark);
std::string join_path(std::string_view parent, std::string_view key);

void add_error(std::vector<Error> &errors, Mark mark, std::string key, std::string rule);

// "a map", "a list", "'text'" or "nothing": what was found where something else was expected.
std::string describe(const YAML::Node &node);

// True for a map; otherwise records "expected a map, got ..." and returns false.
bool expect_map(const Located &where, std::vector<Error> &errors);
bool expect_list(const Located &where, std::vector<Error> &errors);

// The keys of a map in file order. Non-scalar keys and repeated keys are reported and skipped.
std::vector<Entry> entries_of(const Located &map, std::vector<Error> &errors);

// The value of one key of a map, located; a null node placed at the map when the key is absent.
// Reports nothing (entries_of reports bad keys).
Located child(const Located &map, std::string_view key);

// The items of a list; their paths are "<path>[<index>]".
std::vector<Located> items_of(const Located &list);

// Names for ids of devices and links: letters, digits, '-' and '_', at most 31 characters
// (they become point names "<device>/<name>" of at most HEARTH_NAME_MAX bytes).
bool is_valid_name(std::string_view name);
std::string invalid_name_rule(std::string_view what, std::string_view name);

}  // namespace hearth::config::detail
