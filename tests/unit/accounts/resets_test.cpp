#include <hearth/accounts/resets.hpp>
#include <hearth/store/kv_store.hpp>
#include <hearth/store/settings_store.hpp>
#include <set>

#include "accounts_fixture.hpp"
#include "table_snapshot.hpp"

namespace hearth::accounts {
namespace {

using testing::kInitial;
using testing::kLanPeer;
using testing::snapshot;

// What a running site has: a device's key-value state, settings with owner and networking
// overrides, a changed owner password, a lockout, and history tables of the kind core/store's
// history adds (the resets must keep any such table untouched).
class ResetsTest : public testing::AccountsFixture {
 protected:
  ResetsTest() {
    db_->exec(
        "CREATE TABLE fixture_history (point TEXT, minute INTEGER, mean REAL);"
        "INSERT INTO fixture_history VALUES ('inverter-1/power_w', 1, 2500.5);"
        "CREATE TABLE fixture_alarm_log (code INTEGER, raised_wall_ms INTEGER, cleared_wall_ms "
        "INTEGER);"
        "INSERT INTO fixture_alarm_log VALUES (2001, 100, 200);");
    store::KvStore kv(*db_);
    const uint8_t counter[] = {1, 2, 3};
    kv.set("inverter-1", "energy_counter", counter);
    kv.flush();
    settings_.set_baseline({{"ev.mode", "pv_surplus"},
                            {"grid.feed_in_limit_w", "5000"},
                            {"network.wifi_ssid", "house"},
                            {"links.rs485-1.baud", "9600"}},
                           clock_.wall_ms());
    EXPECT_TRUE(settings_.set_override("ev.mode", "fast", "owner", store::SettingRole::owner,
                                       clock_.wall_ms()));
    EXPECT_TRUE(settings_.set_override("grid.feed_in_limit_w", "0", "installer",
                                       store::SettingRole::installer, clock_.wall_ms()));
    EXPECT_TRUE(settings_.set_override("network.wifi_ssid", "garage", "installer",
                                       store::SettingRole::installer, clock_.wall_ms()));
    EXPECT_TRUE(settings_.set_override("links.rs485-1.baud", "19200", "installer",
                                       store::SettingRole::installer, clock_.wall_ms()));
    const std::string owner = login_token("owner", kInitial.owner);
    EXPECT_TRUE(accounts_->change_password(owner, kInitial.owner, "owner-chosen-pw"));
    for (int attempt = 0; attempt < 5; ++attempt) accounts_->login("installer", "x", kLanPeer);
    clock_.advance_ms(1000);
    before_ = snapshot(db_->handle());
  }

  // The tables whose rows differ from before_.
  std::set<std::string> changed_tables() {
    std::set<std::string> changed;
    const auto after = snapshot(db_->handle());
    for (const auto &[table, rows] : after) {
      if (before_[table] != rows) changed.insert(table);
    }
    return changed;
  }

  // Rows only appended: every row from before is still there.
  void expect_only_appended(const std::string &table) {
    const auto after = snapshot(db_->handle())[table];
    for (const auto &row : before_[table]) {
      EXPECT_NE(std::find(after.begin(), after.end(), row), after.end()) << table << ": " << row;
    }
    EXPECT_GT(after.size(), before_[table].size()) << table;
  }

  void expect_accounts_at_factory_state() {
    for (const Role role : {Role::installer, Role::owner}) {
      const auto state = accounts_->state(role);
      EXPECT_TRUE(state.password_is_initial) << to_string(role);
      EXPECT_EQ(state.locked_until_wall_ms, 0) << to_string(role);
      EXPECT_EQ(state.failed_logins, 0) << to_string(role);
    }
    EXPECT_TRUE(accounts_->login("installer", kInitial.installer, kLanPeer));
    EXPECT_TRUE(
        accounts_->login("owner", kInitial.owner, kLanPeer).session.password_change_required);
    EXPECT_FALSE(accounts_->login("owner", "owner-chosen-pw", kLanPeer));
  }

  store::SettingsStore settings_{*db_};
  testing::DatabaseSnapshot before_;
};

TEST_F(ResetsTest, PasswordResetChangesTheAccountsAndNothingElse) {
  const std::string session = login_token("owner", "owner-chosen-pw");
  accounts_->reset_passwords("rst-button");
  EXPECT_EQ(changed_tables(), (std::set<std::string>{"accounts", "accounts_audit"}));
  expect_only_appended("accounts_audit");
  EXPECT_FALSE(accounts_->check(session));
  EXPECT_EQ(accounts_->password_free_remaining_ms(), 180'000);
  expect_accounts_at_factory_state();
  EXPECT_EQ(settings_.get("ev.mode")->value_text, "fast");
}

TEST_F(ResetsTest, FactoryResetDropsOverridesButNetworkingAndKeepsHistoryAndDeviceState) {
  const std::string session = login_token("owner", "owner-chosen-pw");
  const auto report = factory_reset(*accounts_, settings_, "rst-button", clock_.wall_ms());

  EXPECT_EQ(report.overrides_cleared,
            (std::vector<std::string>{"ev.mode", "grid.feed_in_limit_w"}));
  EXPECT_EQ(report.overrides_kept,
            (std::vector<std::string>{"links.rs485-1.baud", "network.wifi_ssid"}));
  EXPECT_EQ(changed_tables(), (std::set<std::string>{"accounts", "accounts_audit", "settings_audit",
                                                     "settings_override"}));
  expect_only_appended("accounts_audit");
  expect_only_appended("settings_audit");
  EXPECT_EQ(testing::rows_of(db_->handle(), "SELECT key, value FROM settings_override"),
            (testing::TableRows{"links.rs485-1.baud|19200|", "network.wifi_ssid|garage|"}));
  EXPECT_EQ(settings_.get("ev.mode")->value_text, "pv_surplus");
  EXPECT_EQ(settings_.get("grid.feed_in_limit_w")->value_text, "5000");
  EXPECT_EQ(settings_.get("network.wifi_ssid")->value_text, "garage");
  EXPECT_FALSE(accounts_->check(session));
  EXPECT_EQ(accounts_->password_free_remaining_ms(), 0);
  expect_accounts_at_factory_state();
}

TEST_F(ResetsTest, NetworkingKeysAreTheNetworkAndLinksPrefixes) {
  EXPECT_TRUE(is_networking_setting("network.ap.password"));
  EXPECT_TRUE(is_networking_setting("links.tcp-1.host"));
  EXPECT_FALSE(is_networking_setting("networking"));
  EXPECT_FALSE(is_networking_setting("grid.feed_in_limit_w"));
}

}  // namespace
}  // namespace hearth::accounts
