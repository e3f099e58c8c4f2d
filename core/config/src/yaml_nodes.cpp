#include "yaml_nodes.hpp"

#include <map>

namespace hearth::config::detail {

Mark mark_of(const YAML::Node &node, const std::string &file) {
  if (!node.IsDefined()) return Mark{file, 0, 0};
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return Mark{file, 0, 0};
  return Mark{file, mark.line + 1, mark.column + 1};  // yaml-cpp counts from 0
}

std::string place(const Mark &mark) {
  if (mark.line == 0) return mark.file;
  return mark.file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column);
}

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

void add_error(std::vector<Error> &errors, Mark mark, std::string key, std::string rule) {
  errors.push_back(Error{std::move(mark), std::move(key), std::move(rule)});
}

std::string describe(const YAML::Node &node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "'" + node.Scalar() + "'";
}

bool expect_map(const Located &where, std::vector<Error> &errors) {
  if (where.node.IsMap()) return true;
  add_error(errors, where.mark, where.path, "expected a map, got " + describe(where.node));
  return false;
}

bool expect_list(const Located &where, std::vector<Error> &errors) {
  if (where.node.IsSequence()) return true;
  add_error(errors, where.mark, where.path, "expected a list, got " + describe(where.node));
  return false;
}

std::vector<Entry> entries_of(const Located &map, std::vector<Error> &errors) {
  std::vector<Entry> entries;
  if (!map.node.IsMap()) return entries;
  std::map<std::string, Mark> first_seen;
  for (auto it = map.node.begin(); it != map.node.end(); ++it) {
    const Mark key_mark = mark_of(it->first, map.file);
    if (!it->first.IsScalar()) {
      add_error(errors, key_mark, map.path, "a key must be plain text, got " + describe(it->first));
      continue;
    }
    const std::string key = it->first.Scalar();
    // yaml-cpp keeps both copies of a repeated key; YAML forbids them.
    auto [seen, inserted] = first_seen.emplace(key, key_mark);
    if (!inserted) {
      add_error(errors, key_mark, map.path,
                "duplicate key '" + key + "' (first at " + place(seen->second) + ")");
      continue;
    }
    const bool empty_value = !it->second.IsDefined() || it->second.IsNull();
    // An empty value has no place of its own (yaml-cpp marks the next token): use its key's.
    const Mark value_mark = empty_value ? key_mark : mark_of(it->second, map.file);
    entries.push_back(
        Entry{key, key_mark, Located{it->second, map.file, join_path(map.path, key), value_mark}});
  }
  return entries;
}

Located child(const Located &map, std::string_view key) {
  if (map.node.IsMap()) {
    for (auto it = map.node.begin(); it != map.node.end(); ++it) {
      if (!it->first.IsScalar() || it->first.Scalar() != key) continue;
      const bool empty_value = !it->second.IsDefined() || it->second.IsNull();
      const Mark mark = mark_of(empty_value ? it->first : it->second, map.file);
      return Located{it->second, map.file, join_path(map.path, key), mark};
    }
  }
  return Located{YAML::Node(), map.file, join_path(map.path, key), map.mark};
}

std::vector<Located> items_of(const Located &list) {
  std::vector<Located> items;
  if (!list.node.IsSequence()) return items;
  size_t index = 0;
  for (const auto &item : list.node) {
    const bool empty_value = item.IsNull();
    items.push_back(Located{item, list.file, list.path + "[" + std::to_string(index) + "]",
                            empty_value ? list.mark : mark_of(item, list.file)});
    ++index;
  }
  return items;
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() >= HEARTH_NAME_MAX) return false;
  for (char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!allowed) return false;
  }
  return true;
}

std::string invalid_name_rule(std::string_view what, std::string_view name) {
  return "'" + std::string(name) + "' is not a valid " + std::string(what) +
         ": use letters, digits, '-' and '_', at most " + std::to_string(HEARTH_NAME_MAX - 1) +
         " characters";
}

}  // namespace hearth::config::detail
