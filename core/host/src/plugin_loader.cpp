#include "hearth/host/plugin_loader.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/dll/library_info.hpp>
#include <boost/dll/runtime_symbol_info.hpp>

namespace hearth::host {

namespace {

bool is_shared_library(const std::filesystem::directory_entry &entry) {
  return entry.is_regular_file() && entry.path().extension() == ".so";
}

bool empty(const char *text) {
  return text == nullptr || *text == '\0';
}

// The path with symlinks and ".." resolved as far as it exists, for comparing directories.
std::filesystem::path resolved(const std::filesystem::path &path) {
  std::error_code error;
  auto result = std::filesystem::weakly_canonical(path, error);
  return error ? path.lexically_normal() : result;
}

bool is_inside(const std::filesystem::path &path, const std::filesystem::path &directory) {
  const auto [mismatch, unused] =
      std::mismatch(directory.begin(), directory.end(), path.begin(), path.end());
  // A trailing separator leaves an empty last element in `directory`.
  return mismatch == directory.end() ||
         (std::next(mismatch) == directory.end() && mismatch->empty());
}

}  // namespace

const char *to_string(SignatureMode mode) {
  switch (mode) {
    case SignatureMode::off:
      return "off";
    case SignatureMode::third_party:
      return "third-party";
    case SignatureMode::all:
      return "all";
  }
  return "?";
}

std::optional<SignatureMode> parse_signature_mode(std::string_view text) {
  for (auto mode : {SignatureMode::off, SignatureMode::third_party, SignatureMode::all}) {
    if (text == to_string(mode)) return mode;
  }
  return std::nullopt;
}

std::vector<std::filesystem::path> builtin_plugin_directories() {
  const auto prefix = resolved(boost::dll::program_location().parent_path().parent_path());
  std::vector<std::filesystem::path> directories{prefix / "lib" / "hearth" / "plugins",
                                                 prefix / "plugins-out"};
  std::error_code error;
  if (std::filesystem::exists(prefix / "CMakeCache.txt", error)) directories.push_back(prefix);
  return directories;
}

void PluginLoader::set_signature_policy(SignaturePolicy policy) {
  policy_ = std::move(policy);
  if (policy_.mode == SignatureMode::off) {
    spdlog::warn("plugin signatures are not checked (--plugin-signatures off): development only");
    return;
  }
  const auto &keys = policy_.trusted_keys;
  // No trust store at all is normal where every plugin is built in; a skipped key file is not.
  std::error_code error;
  const bool store_missing = !std::filesystem::is_directory(keys.origin(), error);
  for (const auto &problem : keys.problems()) {
    spdlog::log(store_missing ? spdlog::level::info : spdlog::level::warn,
                "trusted keys: {} (skipped)", problem);
  }
  spdlog::info("plugin signatures required for {} plugins; {} trusted key{} ({})",
               policy_.mode == SignatureMode::all ? "all" : "third-party",
               policy_.trusted_keys.size(), policy_.trusted_keys.size() == 1 ? "" : "s",
               policy_.trusted_keys.origin());
}

bool PluginLoader::signature_required(const std::filesystem::path &directory) const {
  return !why_signature_required(directory).empty();
}

// Empty when plugins in `directory` need no signature; otherwise the reason, for the refusal.
std::string PluginLoader::why_signature_required(const std::filesystem::path &directory) const {
  switch (policy_.mode) {
    case SignatureMode::off:
      return {};
    case SignatureMode::all:
      return "signatures are required for all plugins";
    case SignatureMode::third_party:
      break;
  }
  const auto where = resolved(directory);
  for (const auto &builtin : policy_.builtin_directories) {
    if (is_inside(where, resolved(builtin))) return {};
  }
  return where.string() + " is a third-party plugin directory";
}

std::string abi_version_text(uint32_t version) {
  return std::to_string(HEARTH_ABI_MAJOR_OF(version)) + "." +
         std::to_string(HEARTH_ABI_MINOR_OF(version));
}

const hearth_driver_desc &driver_at(const hearth_plugin_desc &plugin, uint32_t index) {
  const auto *base = reinterpret_cast<const char *>(plugin.drivers);
  return *reinterpret_cast<const hearth_driver_desc *>(base +
                                                       size_t{index} * plugin.drivers->struct_size);
}

const hearth_param_desc &param_at(const hearth_driver_desc &driver, uint32_t index) {
  const auto *base = reinterpret_cast<const char *>(driver.params);
  return *reinterpret_cast<const hearth_param_desc *>(base +
                                                      size_t{index} * driver.params->struct_size);
}

void PluginLoader::load_directories(const std::vector<std::filesystem::path> &directories) {
  for (const auto &directory : directories) {
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error)) {
      spdlog::debug("plugin path {} is not a directory; skipped", directory.string());
      continue;
    }
    std::vector<std::filesystem::path> files;
    for (const auto &entry : std::filesystem::directory_iterator(directory, error)) {
      if (is_shared_library(entry)) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());  // a stable order decides which duplicate wins
    for (const auto &file : files) load_file(file);
  }
}

bool PluginLoader::refuse(const std::filesystem::path &path, std::string reason) {
  spdlog::error("plugin {} refused: {}", path.string(), reason);
  refusals_.push_back({path, std::move(reason)});
  return false;
}

std::string PluginLoader::check_descriptor(const hearth_plugin_desc &desc) const {
  const uint32_t host = HEARTH_ABI_VERSION;
  if (desc.struct_size < offsetof(hearth_plugin_desc, drivers) + sizeof(desc.drivers)) {
    return "descriptor too small (struct_size " + std::to_string(desc.struct_size) + ")";
  }
  if (HEARTH_ABI_MAJOR_OF(desc.abi_version) != HEARTH_ABI_MAJOR) {
    return "built for ABI " + abi_version_text(desc.abi_version) + ", host has ABI " +
           abi_version_text(host) + " (another major version)";
  }
  if (desc.min_host_abi > host) {
    return "needs host ABI " + abi_version_text(desc.min_host_abi) + " or newer, host has ABI " +
           abi_version_text(host);
  }
  if (empty(desc.id)) return "descriptor has no id";
  if (const auto *other = find_plugin(desc.id)) {
    return std::string("duplicate plugin id '") + desc.id + "' (already loaded from " +
           other->path.string() + ")";
  }
  if (desc.driver_count == 0 || desc.drivers == nullptr) return "descriptor lists no drivers";
  if (desc.drivers->struct_size < offsetof(hearth_driver_desc, destroy) + sizeof(void *)) {
    return "driver descriptor too small (struct_size " + std::to_string(desc.drivers->struct_size) +
           ")";
  }
  for (uint32_t i = 0; i < desc.driver_count; ++i) {
    const auto &driver = driver_at(desc, i);
    if (empty(driver.name)) return "driver #" + std::to_string(i) + " has no name";
    if (!driver.create || !driver.start || !driver.stop || !driver.destroy || !driver.command) {
      return std::string("driver '") + driver.name + "' lacks a vtable function";
    }
    if (driver.param_count > 0 && driver.params == nullptr) {
      return std::string("driver '") + driver.name + "' declares parameters but no table";
    }
    if (find_driver(driver.name) != nullptr) {
      return std::string("driver '") + driver.name + "' is already provided by plugin '" +
             find_driver(driver.name)->plugin->id + "'";
    }
  }
  return {};
}

bool PluginLoader::load_file(const std::filesystem::path &path) {
  std::filesystem::path load_path = path;
  std::string signer;
  if (const auto why = why_signature_required(path.parent_path()); !why.empty()) {
    auto verified = signing::open_verified_plugin(path, policy_.trusted_keys);
    if (!verified.ok()) {
      return refuse(path, std::string(signing::to_string(verified.check().status)) + " (" + why +
                              "): " + verified.check().message);
    }
    load_path = verified.load_path();
    signer = ", signed by key " + verified.check().key_id;
    verified_files_.push_back(std::move(verified));
  }
  boost::dll::shared_library library;
  boost::dll::fs::error_code error;
  // RTLD_LOCAL: one plugin's symbols never satisfy another's.
  library.load(load_path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
               error);
  if (error) return refuse(path, "cannot load: " + error.message());
  if (!library.has(HEARTH_PLUGIN_ENTRY_SYMBOL)) {
    return refuse(path, "no '" HEARTH_PLUGIN_ENTRY_SYMBOL "' symbol exported");
  }
  auto entry = library.get<const hearth_plugin_desc *(uint32_t, const hearth_host_api *)>(
      HEARTH_PLUGIN_ENTRY_SYMBOL);
  const hearth_plugin_desc *desc = entry(HEARTH_ABI_VERSION, &host_);
  if (desc == nullptr) {
    return refuse(path, "its entry point declined this host (ABI " +
                            abi_version_text(HEARTH_ABI_VERSION) + "); see its log line above");
  }
  if (auto problem = check_descriptor(*desc); !problem.empty()) return refuse(path, problem);

  libraries_.push_back(std::move(library));
  const auto &plugin = plugins_.emplace_back(LoadedPlugin{path, desc, desc->id});
  for (uint32_t i = 0; i < desc->driver_count; ++i) {
    const auto &driver = driver_at(*desc, i);
    drivers_.emplace(driver.name, DriverEntry{&driver, &plugin});
  }
  spdlog::info("plugin {} {} loaded from {} ({} driver{}{})", desc->id,
               empty(desc->version) ? "?" : desc->version, path.string(), desc->driver_count,
               desc->driver_count == 1 ? "" : "s", signer);
  return true;
}

const LoadedPlugin *PluginLoader::find_plugin(std::string_view id) const {
  for (const auto &plugin : plugins_) {
    if (plugin.id == id) return &plugin;
  }
  return nullptr;
}

const DriverEntry *PluginLoader::find_driver(std::string_view name) const {
  auto found = drivers_.find(name);
  return found == drivers_.end() ? nullptr : &found->second;
}

}  // namespace hearth::host
