#pragma once
// Finds driver plugins on the search path, negotiates the ABI with each, and keeps the ones that
// pass. A refused plugin is logged with the reason and the host goes on with the rest.
// Libraries are never unloaded while the process runs (architecture.md, ABI rule 7).
//
// Plugin integrity (issue 8; docs/plugin-guide.md, "Signing plugins"): a plugin that must be
// signed is opened once, its Ed25519 signature (<plugin>.sig) checked against the trust store
// through that descriptor, and the same descriptor dlopen()ed, so the bytes checked are the bytes
// loaded. Which plugins must be signed is the SignaturePolicy's mode.
#include <hearth/plugin.h>

#include <boost/dll/shared_library.hpp>
#include <deque>
#include <filesystem>
#include <hearth/config/config.hpp>
#include <hearth/signing/plugin_signature.hpp>
#include <hearth/signing/trust_store.hpp>
#include <map>
#include <optional>
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

// Which plugins must carry a signature by a trusted key.
enum class SignatureMode {
  off,          // none: development only (hearthd warns at start)
  third_party,  // plugins outside the built-in directories (hearthd's default)
  all,          // every plugin, the built-in ones too (the distributor signs those)
};
// "off", "third-party", "all".
const char *to_string(SignatureMode mode);
std::optional<SignatureMode> parse_signature_mode(std::string_view text);

// Where the package's trust store is (packaging/CMakeLists.txt installs the directory).
inline constexpr const char *kDefaultTrustedKeysDir = "/etc/hearth/trusted-keys";

// The plugin directories that come with the running program and need no signature in mode
// third_party: <prefix>/lib/hearth/plugins of an installation (/usr/bin/hearthd ->
// /usr/lib/hearth/plugins) and <build>/plugins-out of a build tree. When the program runs from a
// CMake build tree (<dir>/bin/../CMakeCache.txt exists), the whole build tree counts: every
// plugin in it was built by the same build as the program (the tests' and the example's plugin
// directories). Anything else (--plugin-path, HEARTH_PLUGIN_PATH, the config's plugin_path
// outside these) is third-party.
std::vector<std::filesystem::path> builtin_plugin_directories();

struct SignaturePolicy {
  SignatureMode mode = SignatureMode::third_party;
  // A directory counts as built-in when it is one of these or lies inside one.
  std::vector<std::filesystem::path> builtin_directories = builtin_plugin_directories();
  signing::TrustStore trusted_keys;  // empty: every plugin that must be signed is refused
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

  // Set before loading; logs the mode, the trusted keys and any trust-store file it skipped.
  void set_signature_policy(SignaturePolicy policy);
  const SignaturePolicy &signature_policy() const { return policy_; }
  // Whether a plugin inside `directory` must be signed under the policy.
  bool signature_required(const std::filesystem::path &directory) const;

  // Loads every *.so directly inside each directory, in order. Later duplicates are refused.
  void load_directories(const std::vector<std::filesystem::path> &directories);
  // Loads one library; returns false (and records why) when it is refused. A plugin that must be
  // signed (signature_required of its directory) and is unsigned, tampered with or signed by an
  // unknown key is refused before any of its code runs.
  bool load_file(const std::filesystem::path &path);

  const std::deque<LoadedPlugin> &plugins() const { return plugins_; }
  const std::vector<PluginRefusal> &refusals() const { return refusals_; }
  const DriverEntry *find_driver(std::string_view name) const;
  const LoadedPlugin *find_plugin(std::string_view id) const;
  const std::map<std::string, DriverEntry, std::less<>> &drivers() const { return drivers_; }

 private:
  bool refuse(const std::filesystem::path &path, std::string reason);
  std::string check_descriptor(const hearth_plugin_desc &desc) const;
  std::string why_signature_required(const std::filesystem::path &directory) const;

  const hearth_host_api &host_;
  SignaturePolicy policy_;
  // Checked plugins stay open: their libraries were loaded as /proc/self/fd/N, and a reused N
  // would make dlopen() hand back the library already loaded under that name.
  std::vector<signing::VerifiedPlugin> verified_files_;
  std::vector<boost::dll::shared_library> libraries_;  // kept open for the life of the process
  std::deque<LoadedPlugin> plugins_;                   // a deque: DriverEntry points into it
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

// "1.0" for a packed ABI version.
std::string abi_version_text(uint32_t version);

}  // namespace hearth::host
