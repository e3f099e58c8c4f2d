#include "hal_grants.hpp"

#include <algorithm>
#include <array>

#include "suggest.hpp"

namespace hearth::config::detail {
namespace {

struct ChannelKind {
  std::string_view key;     // as in YAML: "do"
  std::string_view prefix;  // as in channel names: "DO"
  int count;
  bool exclusive;  // an output drives one thing: it is granted to one device only
};

// The ports the HAL models: 2 DO, up to 4 DI (ripple-control receivers use four,
// protocols.md §10), 3 CT channels (phases A, B, C) (emma-functions.md, "Ports").
constexpr std::array<ChannelKind, 3> kKinds{{
    {"do", "DO", 2, true},
    {"di", "DI", 4, false},
    {"ct", "CT", 3, false},
}};

const ChannelKind *kind_of(std::string_view key) {
  for (const auto &kind : kKinds) {
    if (kind.key == key) return &kind;
  }
  return nullptr;
}

std::vector<std::string> kind_keys() {
  std::vector<std::string> keys;
  for (const auto &kind : kKinds) keys.emplace_back(kind.key);
  return keys;
}

}  // namespace

std::vector<std::string> channel_names(std::string_view kind_key) {
  std::vector<std::string> names;
  if (const auto *kind = kind_of(kind_key)) {
    for (int i = 1; i <= kind->count; ++i)
      names.push_back(std::string(kind->prefix) + std::to_string(i));
  }
  return names;
}

bool is_channel(std::string_view kind, std::string_view name) {
  const auto names = channel_names(kind);
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::map<std::string, std::vector<std::string>> HalGrants::check(const Located &hal,
                                                                 const std::string &device_id,
                                                                 std::vector<Error> &errors) {
  std::map<std::string, std::vector<std::string>> grants;
  if (!expect_map(hal, errors)) return grants;
  for (const auto &entry : entries_of(hal, errors)) {
    const ChannelKind *kind = kind_of(entry.key);
    if (kind == nullptr) {
      add_error(errors, entry.key_mark, hal.path, unknown_name_rule("key", entry.key, kind_keys()));
      continue;
    }
    if (!expect_list(entry.value, errors)) continue;
    auto &granted = grants[entry.key];
    for (const auto &item : items_of(entry.value)) {
      const std::string name = item.node.IsScalar() ? item.node.Scalar() : describe(item.node);
      if (!is_channel(kind->key, name)) {
        add_error(errors, item.mark, entry.value.path,
                  "'" + name + "' is not a " + std::string(kind->prefix) +
                      " channel; the box has " + join(channel_names(kind->key), ", "));
        continue;
      }
      if (std::find(granted.begin(), granted.end(), name) != granted.end()) {
        add_error(errors, item.mark, entry.value.path, name + " is listed twice");
        continue;
      }
      if (kind->exclusive) {
        auto [owner, inserted] = output_owners_.emplace(name, Owner{device_id, item.mark});
        if (!inserted) {
          add_error(errors, item.mark, entry.value.path,
                    name + " is already granted to '" + owner->second.device_id + "' (" +
                        place(owner->second.mark) + "); an output drives one device only");
          continue;
        }
      }
      granted.push_back(name);
    }
  }
  return grants;
}

}  // namespace hearth::config::detail
