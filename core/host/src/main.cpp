// hearthd: the Hearth daemon and its command-line tools (--check, --list-plugins, --describe,
// --failsafe).
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/dll/runtime_symbol_info.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "hearth/energy/energy_service.hpp"
#include "hearth/hal/yaml_settings.hpp"
#include "hearth/host/board.hpp"
#include "hearth/host/box_accounts.hpp"
#include "hearth/host/describe.hpp"
#include "hearth/host/failsafe_store.hpp"
#include "hearth/host/host_api.hpp"
#include "hearth/host/journal_log.hpp"
#include "hearth/host/runtime.hpp"

namespace {

using hearth::host::LoaderCatalog;
using hearth::host::PluginLoader;
namespace fs = std::filesystem;

struct Options {
  std::string config_file = "/etc/hearth/hearth.yaml";
  std::string check_file;
  std::vector<std::string> describe_ids;
  bool describe_json = false;
  bool describe_markdown = false;
  bool list_plugins = false;
  bool failsafe = false;
  bool verbose = false;
  std::vector<std::string> plugin_path;
  std::string state_dir;
  std::string database;  // empty: HEARTH_DB, else <state dir>/hearth.db
  std::string plugin_signatures = "third-party";
  std::string trusted_keys = hearth::host::kDefaultTrustedKeysDir;
};


// The two top-level keys that decide where hearthd looks before the file is fully checked.
struct EarlyKeys {
  std::vector<std::string> plugin_path;
  std::string state_dir;
};

EarlyKeys read_early_keys(const std::string &file) {
  EarlyKeys keys;
  try {
    const YAML::Node root = YAML::LoadFile(file);
    if (root["plugin_path"] && root["plugin_path"].IsSequence()) {
      for (const auto &item : root["plugin_path"]) {
        fs::path path = item.as<std::string>();
        if (path.is_relative()) path = fs::path(file).parent_path() / path;
        keys.plugin_path.push_back(path.string());
      }
    }
    if (root["state_dir"]) keys.state_dir = root["state_dir"].as<std::string>();
  } catch (const std::exception &) {
    // The full check reports the problem with file:line; here we only look ahead.
  }
  return keys;
}

// Search order: --plugin-path, HEARTH_PLUGIN_PATH, the config's plugin_path, then next to the
// binary (the build tree's plugins-out/, an installation's lib/hearth/plugins/).
std::vector<fs::path> plugin_search_path(const Options &options, const EarlyKeys &early) {
  std::vector<fs::path> path(options.plugin_path.begin(), options.plugin_path.end());
  if (const char *env = std::getenv("HEARTH_PLUGIN_PATH")) {
    std::string_view rest = env;
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      if (colon != 0) path.emplace_back(std::string(rest.substr(0, colon)));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  path.insert(path.end(), early.plugin_path.begin(), early.plugin_path.end());
  const fs::path exe_dir = boost::dll::program_location().parent_path();
  path.push_back(exe_dir / ".." / "plugins-out");
  path.push_back(exe_dir / ".." / "lib" / "hearth" / "plugins");
  return path;
}

// Loads the plugins under the command line's signature policy (plugin_loader.hpp).
void load_plugins(PluginLoader &loader, const Options &options, const EarlyKeys &early) {
  hearth::host::SignaturePolicy policy;
  policy.mode = hearth::host::parse_signature_mode(options.plugin_signatures).value();
  if (policy.mode != hearth::host::SignatureMode::off) {
    policy.trusted_keys = hearth::signing::TrustStore::load_directory(options.trusted_keys);
  }
  loader.set_signature_policy(std::move(policy));
  loader.load_directories(plugin_search_path(options, early));
}

fs::path state_dir_of(const Options &options, const EarlyKeys &early) {
  if (!options.state_dir.empty()) return options.state_dir;
  if (const char *env = std::getenv("HEARTH_STATE_DIR")) return env;
  if (!early.state_dir.empty()) return early.state_dir;
  return "/var/lib/hearth";
}

int list_plugins(const PluginLoader &loader) {
  for (const auto &plugin : loader.plugins()) {
    std::cout << plugin.id << " " << (plugin.desc->version ? plugin.desc->version : "?") << "  "
              << plugin.path.string() << "\n";
    for (const auto &[name, driver] : loader.drivers()) {
      if (driver.plugin == &plugin) {
        std::cout << "  driver " << name << " (" << driver.desc->device_class << ")\n";
      }
    }
  }
  for (const auto &refusal : loader.refusals()) {
    std::cout << "refused " << refusal.path.string() << ": " << refusal.reason << "\n";
  }
  return 0;
}

// --describe: each id names a plugin or one of its drivers; "all" names every loaded plugin.
int describe(const PluginLoader &loader, const Options &options) {
  std::vector<const hearth_plugin_desc *> plugins;
  for (const auto &id : options.describe_ids) {
    if (id == "all") {
      for (const auto &plugin : loader.plugins()) plugins.push_back(plugin.desc);
      continue;
    }
    const auto *plugin = loader.find_plugin(id);
    if (plugin == nullptr) {
      if (const auto *driver = loader.find_driver(id)) plugin = driver->plugin;
    }
    if (plugin == nullptr) {
      std::cerr << "hearthd: no plugin or driver '" << id << "' is loaded\n";
      return 1;
    }
    plugins.push_back(plugin->desc);
  }
  // By id, each once: the same reference from every build and search order.
  std::sort(plugins.begin(), plugins.end(),
            [](const auto *a, const auto *b) { return std::string_view(a->id) < b->id; });
  plugins.erase(std::unique(plugins.begin(), plugins.end()), plugins.end());
  if (options.describe_markdown) {
    std::cout << hearth::host::describe_markdown(plugins);
    return 0;
  }
  for (const auto *plugin : plugins) {
    std::cout << (options.describe_json ? hearth::host::describe_json(*plugin).dump(2) + "\n"
                                        : hearth::host::describe_text(*plugin));
  }
  return 0;
}

// The whole check: the configuration, then the HAL section, whose keys belong to the HAL.
hearth::config::LoadResult load_and_check(const std::string &file,
                                          const hearth::config::DriverCatalog &catalog,
                                          hearth::hal::HalSettings *hal_settings = nullptr) {
  auto result = hearth::config::load_file(file, catalog);
  if (!result.ok()) return result;
  auto hal = hearth::hal::hal_settings_from_yaml(result.config.hal_config);
  for (const auto &problem : hal.problems) {
    result.errors.push_back({{result.config.files.front(), problem.line, problem.column},
                             problem.key,
                             problem.message});
  }
  if (hal_settings != nullptr) *hal_settings = std::move(hal.settings);
  return result;
}

int check(const PluginLoader &loader, const std::string &file) {
  LoaderCatalog catalog(loader);
  const auto result = load_and_check(file, catalog);
  if (!result.ok()) {
    std::cerr << hearth::config::format_errors(result.errors);
    std::cerr << file << ": " << result.errors.size() << " error"
              << (result.errors.size() == 1 ? "" : "s") << "\n";
    return 1;
  }
  std::cout << file << ": OK (" << result.config.devices.size() << " devices, "
            << result.config.links.size() << " links)\n";
  return 0;
}

// Replays the persisted safe-state writes on fresh links. Used by `--failsafe` (after any stop,
// from the service manager) and at start-up before any plugin is loaded.
int replay_failsafe(const fs::path &state_dir) {
  const auto file = state_dir / "failsafe.json";
  std::map<std::string, hearth::host::FailsafeEntry> entries;
  try {
    entries = hearth::host::FailsafeStore::read(file);
  } catch (const std::exception &error) {
    spdlog::critical("{}", error.what());
    return 2;
  }
  if (entries.empty()) {
    spdlog::info("fail-safe: nothing registered in {}", file.string());
    return 0;
  }
  std::map<std::string, std::unique_ptr<hearth::links::ModbusLink>> links;
  const auto outcomes = hearth::host::replay_failsafe(
      entries, [&](const hearth::links::LinkSettings &settings) -> hearth::links::ModbusLink & {
        auto &link = links[settings.name];
        if (!link) link = std::make_unique<hearth::links::ModbusLink>(settings);
        return *link;
      });
  int failed = 0;
  for (const auto &outcome : outcomes) {
    const bool ok = outcome.status == HEARTH_OK;
    failed += ok ? 0 : 1;
    spdlog::log(ok ? spdlog::level::info : spdlog::level::err,
                "fail-safe: {} register {} on link {}: {}", outcome.device, outcome.address,
                outcome.link, ok ? "written" : "FAILED (status " + std::to_string(outcome.status) + ")");
  }
  spdlog::info("fail-safe: {} of {} writes done", outcomes.size() - failed, outcomes.size());
  return failed == 0 ? 0 : 2;
}

int run_daemon(const Options &options, const EarlyKeys &early) {
  const fs::path state_dir = state_dir_of(options, early);
  replay_failsafe(state_dir);  // safe limits first, before any third-party code runs

  hearth::host::RuntimeOptions runtime_options;
  runtime_options.state_dir = state_dir;
#ifdef HEARTH_SANITIZED_BUILD
  // A sanitizer makes every call several times slower: a healthy plugin must not be disabled
  // for the instrumentation's cost (an ASan hearthd is a test build, never the product).
  runtime_options.callback_budget *= 4;
#endif
  const char *database_env = std::getenv("HEARTH_DB");
  if (!options.database.empty()) {
    runtime_options.database_path = options.database;
  } else if (database_env != nullptr) {
    runtime_options.database_path = database_env;
  }
  hearth::host::Runtime runtime(runtime_options);
  // Signals are ours before any device starts: a SIGHUP that arrives during start-up reloads
  // instead of ending the process.
  boost::asio::signal_set stop_signals(runtime.io(), SIGINT, SIGTERM);
  stop_signals.async_wait([&](const boost::system::error_code &error, int signal) {
    if (error) return;
    spdlog::info("signal {}: stopping", signal);
    runtime.request_stop();
  });
  boost::asio::signal_set reload_signal(runtime.io(), SIGHUP);

  load_plugins(runtime.loader(), options, early);
  LoaderCatalog catalog(runtime.loader());
  hearth::hal::HalSettings hal_settings;
  const auto loaded = load_and_check(options.config_file, catalog, &hal_settings);
  if (!loaded.ok()) {
    std::cerr << hearth::config::format_errors(loaded.errors);
    spdlog::critical("{}: configuration refused; hearthd does not start", options.config_file);
    return 1;
  }
  hearth::host::Board board(runtime, hearth::hal::make_hal(hal_settings),
                            hearth::host::ripple_settings_from(loaded.config.energy));
  board.start();
  // The accounts and the RST button's resets (docs/accounts.md).
  hearth::host::BoxAccounts box_accounts(runtime, runtime_options.database_path, state_dir,
                                         fs::path(options.config_file).parent_path());
  runtime.apply(loaded.config);
  // The energy manager (docs/energy.md) starts with the core loop, after the devices.
  hearth::energy::EnergyService energy(runtime.io(),
                                       {runtime.points(), runtime.commands(),
                                        runtime.capabilities(), runtime.alarms(), runtime.health()},
                                       runtime.clock(), &runtime.settings());
  boost::asio::post(runtime.io(), [&] { energy.apply(loaded.config); });

  std::function<void()> wait_reload = [&] {
    reload_signal.async_wait([&](const boost::system::error_code &error, int) {
      if (error) return;
      const auto next = load_and_check(options.config_file, catalog);
      if (next.ok()) {
        spdlog::info("SIGHUP: {} reloaded", options.config_file);
        runtime.apply(next.config);
        energy.apply(next.config);
      } else {
        spdlog::error("SIGHUP: {} refused, the running configuration stays:\n{}",
                      options.config_file, hearth::config::format_errors(next.errors));
      }
      wait_reload();
    });
  };
  wait_reload();
  runtime.run();
  // A factory reset stopped the loop: exit so that systemd starts hearthd afresh.
  if (box_accounts.restart_requested()) return hearth::host::kExitRestartRequested;
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  Options options;
  CLI::App app{"hearthd: the Hearth home energy controller"};
  app.add_option("-c,--config", options.config_file, "site configuration (YAML)");
  app.add_option("--check", options.check_file,
                 "check a configuration file against the loaded plugins and exit");
  app.add_flag("--list-plugins", options.list_plugins, "list loaded and refused plugins");
  app.add_option("--describe", options.describe_ids,
                 "print the parameter tables of plugins (ids or driver names, comma-separated; "
                 "'all': every loaded plugin)")
      ->delimiter(',');
  app.add_flag("--json", options.describe_json, "with --describe: print JSON");
  app.add_flag("--markdown", options.describe_markdown,
               "with --describe: print docs/config-reference.md");
  app.add_flag("--failsafe", options.failsafe,
               "replay the registered fail-safe writes without loading plugins, then exit");
  app.add_option("--plugin-path", options.plugin_path, "directory to load plugins from");
  app.add_option("--state-dir", options.state_dir, "where hearthd keeps its state");
  app.add_option("--db", options.database,
                 "the SQLite database (settings, history); default <state dir>/hearth.db");
  app.add_option("--plugin-signatures", options.plugin_signatures,
                 "plugins that must be signed by a trusted key: third-party (default), all, or "
                 "off (development only)")
      ->check(CLI::IsMember({"off", "third-party", "all"}))
      ->envname("HEARTH_PLUGIN_SIGNATURES");
  app.add_option("--trusted-keys", options.trusted_keys,
                 "directory of trusted public keys (*.pem) for plugin signatures")
      ->envname("HEARTH_TRUSTED_KEYS");
  app.add_flag("-v,--verbose", options.verbose, "debug logging");
  CLI11_PARSE(app, argc, argv);

  hearth::host::set_up_logging();  // the journal under systemd, else stderr (journal_log.hpp)
  spdlog::set_level(options.verbose ? spdlog::level::debug : spdlog::level::info);

  const std::string config_for_keys =
      options.check_file.empty() ? options.config_file : options.check_file;
  const EarlyKeys early = read_early_keys(config_for_keys);
  try {
    if (options.failsafe) return replay_failsafe(state_dir_of(options, early));
    if (options.list_plugins || !options.describe_ids.empty() || !options.check_file.empty()) {
      PluginLoader loader(hearth::host::host_api_table());
      load_plugins(loader, options, early);
      if (options.list_plugins) return list_plugins(loader);
      if (!options.describe_ids.empty()) return describe(loader, options);
      return check(loader, options.check_file);
    }
    return run_daemon(options, early);
  } catch (const std::exception &error) {
    spdlog::critical("hearthd: {}", error.what());
    return 1;
  }
}
