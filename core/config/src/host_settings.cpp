// hal, state_dir and plugin_path: settings of the box rather than of the house.
#include <filesystem>

#include "param_builder.hpp"
#include "sections.hpp"
#include "table.hpp"
#include "values.hpp"

namespace hearth::config::detail {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kDefaultStateDir = "/var/lib/hearth";

constexpr hearth_param_desc kBackend =
    Param(HEARTH_PARAM_ENUM, "backend").required().choices("sim|linux");

// Relative paths are relative to the file that names them, not to the daemon's working dir.
std::string resolve(const std::string &path, const std::string &file) {
  return (fs::path(file).parent_path() / path).lexically_normal().string();
}

std::optional<std::string> backend_of(const Located &where, std::vector<Error> &errors) {
  std::string problem;
  auto value = convert_value(where.node, kBackend, problem);
  if (!value) {
    add_error(errors, where.mark, where.path, problem);
    return std::nullopt;
  }
  return std::get<std::string>(*value);
}

}  // namespace

void check_hal(const Sources &sources, Config &config, std::vector<Error> &errors) {
  const Entry *section = sources.section("hal");
  if (section == nullptr) return;
  const Located &hal = section->value;
  config.hal_config = hal.node;
  if (hal.node.IsMap()) {
    // The other keys belong to the backend (its line names); the HAL checks them.
    const YAML::Node backend = hal.node["backend"];
    if (!backend.IsDefined()) {
      add_error(errors, hal.mark, hal.path, "missing required key 'backend'");
      return;
    }
    const Mark mark = backend.IsNull() ? hal.mark : mark_of(backend, hal.file);
    if (auto name = backend_of(Located{backend, hal.file, "hal.backend", mark}, errors)) {
      config.hal = *name;
    }
    return;
  }
  if (hal.node.IsSequence()) {
    add_error(errors, hal.mark, hal.path, "expected sim, linux or a map, got a list");
    return;
  }
  if (auto name = backend_of(hal, errors)) config.hal = *name;
}

void check_paths(const Sources &sources, Config &config, std::vector<Error> &errors) {
  config.state_dir = std::string(kDefaultStateDir);
  if (const Entry *state_dir = sources.section("state_dir")) {
    const Located &where = state_dir->value;
    if (where.node.IsScalar() && !where.node.Scalar().empty()) {
      config.state_dir = resolve(where.node.Scalar(), where.file);
    } else {
      add_error(errors, where.mark, where.path,
                "expected a directory, got " + describe(where.node));
    }
  }
  if (const Entry *plugin_path = sources.section("plugin_path")) {
    const Located &where = plugin_path->value;
    if (!expect_list(where, errors)) return;
    for (const auto &item : items_of(where)) {
      if (item.node.IsScalar() && !item.node.Scalar().empty()) {
        config.plugin_path.push_back(resolve(item.node.Scalar(), item.file));
      } else {
        add_error(errors, item.mark, item.path, "expected a directory, got " + describe(item.node));
      }
    }
  }
}

}  // namespace hearth::config::detail
