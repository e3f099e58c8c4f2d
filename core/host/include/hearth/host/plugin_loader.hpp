#pragma once
// Finds driver plugins on the search path, negotiates the ABI with each, and keeps the ones that
// pass. A refused plugin is logged with the reason and the host goes on with the rest.
// Libraries are never unloaded while the process runs (architecture.md, ABI rule 7).
#include <hearth/config/config.hpp>
#include <hearth/plugin.h>

#include <boost/dll/shared_library.hpp>
#include <deque>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::host {

struct LoadedPlugin {
  std::filesystem::path path;
  const hearth_plugin_desc *desc = nullptr;
  std::string id;
};

struct PluginRefusal {
  std::filesystem::path path;
  std::string reason;
};

struct DriverEntry {
  const hearth_driver_desc *desc = nullptr;
  const LoadedPlugin *plugin = nullptr;
};

class PluginLoader {
 public:
  explicit PluginLoader(const hearth_host_api &host) : host_(host) {}
  PluginLoader(const PluginLoader &) = delete;
  PluginLoader &operator=(const PluginLoader &) = delete;

  // Loads every *.so directly inside each directory, in order. Later duplicates are refused.
  void load_directories(const std::vector<std::filesystem::path> &directories);
  // Loads one library; returns false (and records why) when it is refused.
  bool load_file(const std::filesystem::path &path);

  const std::deque<LoadedPlugin> &plugins() const { return plugins_; }
  const std::vector<PluginRefusal> &refusals() const { return refusals_; }
  const DriverEntry *find_driver(std::string_view name) const;
  const LoadedPlugin *find_plugin(std::string_view id) const;
  const std::map<std::string, DriverEntry, std::less<>> &drivers() const { return drivers_; }

 private:
  bool refuse(const std::filesystem::path &path, std::string reason);
  std::string check_descriptor(const hearth_plugin_desc &desc) const;

  const hearth_host_api &host_;
  std::vector<boost::dll::shared_library> libraries_;  // kept open for the life of the process
  std::deque<LoadedPlugin> plugins_;  // a deque: DriverEntry points into it
  std::map<std::string, DriverEntry, std::less<>> drivers_;
  std::vector<PluginRefusal> refusals_;
};

// The loaded drivers as the configuration check sees them.
class LoaderCatalog final : public config::DriverCatalog {
 public:
  explicit LoaderCatalog(const PluginLoader &loader) : loader_(loader) {}
  const hearth_driver_desc *find(std::string_view driver) const override {
    const auto *entry = loader_.find_driver(driver);
    return entry ? entry->desc : nullptr;
  }
  std::vector<std::string> driver_names() const override {
    std::vector<std::string> names;
    for (const auto &[name, entry] : loader_.drivers()) names.push_back(name);
    return names;
  }

 private:
  const PluginLoader &loader_;
};

// The driver descriptors of a plugin, stepped by the first element's struct_size (plugin.h).
const hearth_driver_desc &driver_at(const hearth_plugin_desc &plugin, uint32_t index);
const hearth_param_desc &param_at(const hearth_driver_desc &driver, uint32_t index);

// "0.1" for a packed ABI version.
std::string abi_version_text(uint32_t version);

}  // namespace hearth::host
