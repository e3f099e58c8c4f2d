#include <hearth/accounts/accounts_settings.hpp>
#include <hearth/accounts/initial_passwords.hpp>
#include <hearth/host/box_accounts.hpp>

namespace hearth::host {

BoxAccounts::BoxAccounts(Runtime &runtime, const std::filesystem::path &database_file,
                         const std::filesystem::path &state_dir,
                         const std::filesystem::path &config_dir)
    : database_(std::make_unique<store::Database>(database_file.empty() ? state_dir / "hearth.db"
                                                                        : database_file)),
      accounts_(std::make_unique<accounts::Accounts>(
          *database_, runtime.clock(),
          accounts::load_or_create_initial_passwords(state_dir / "initial-passwords"),
          accounts::load_accounts_settings(config_dir / "accounts.yaml"))),
      resets_(std::make_unique<BoxResets>(runtime.points(), *accounts_, runtime.settings(),
                                          runtime.clock(), [this, &runtime] {
                                            restart_requested_ = true;
                                            runtime.request_stop();
                                          })) {}

}  // namespace hearth::host
