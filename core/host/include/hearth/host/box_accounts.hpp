#pragma once
// hearthd's accounts and RST-button resets, wired to the runtime (docs/accounts.md):
//   - a second SQLite connection on the core's database file for the accounts (the web layer calls
//     them from its own threads; the runtime's connection is the core thread's);
//   - the initial passwords from <state_dir>/initial-passwords (made at first start);
//   - the settings from <config_dir>/accounts.yaml (optional);
//   - BoxResets on the bus point box/button_event; a factory reset stops the runtime and
//     restart_requested() tells main() to exit with kExitRestartRequested.
#include <filesystem>
#include <hearth/accounts/accounts.hpp>
#include <hearth/host/box_resets.hpp>
#include <hearth/host/runtime.hpp>
#include <hearth/store/database.hpp>
#include <memory>

namespace hearth::host {

class BoxAccounts {
 public:
  // `database_file` is the runtime's (RuntimeOptions::database_path; empty: <state_dir>/hearth.db).
  // Throws std::runtime_error for an unreadable database, initial-passwords or accounts.yaml.
  BoxAccounts(Runtime &runtime, const std::filesystem::path &database_file,
              const std::filesystem::path &state_dir, const std::filesystem::path &config_dir);

  accounts::Accounts &accounts() { return *accounts_; }
  BoxResets &resets() { return *resets_; }
  bool restart_requested() const { return restart_requested_; }

 private:
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<accounts::Accounts> accounts_;
  std::unique_ptr<BoxResets> resets_;
  bool restart_requested_ = false;
};

}  // namespace hearth::host
