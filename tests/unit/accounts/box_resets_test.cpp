#include <cstring>
#include <hearth/bus/point_store.hpp>
#include <hearth/host/box_resets.hpp>
#include <hearth/store/settings_store.hpp>

#include "accounts_fixture.hpp"

namespace hearth::host {
namespace {

using accounts::Role;
using accounts::testing::kInitial;
using accounts::testing::kLanPeer;

hearth_value text(const char *value) {
  hearth_value out{};
  out.type = HEARTH_VALUE_STRING;
  std::strncpy(out.as.s, value, HEARTH_VALUE_STRING_MAX - 1);
  return out;
}

// The bus point the Board publishes on a release of the RST button, and the resets behind it.
class BoxResetsTest : public accounts::testing::AccountsFixture {
 protected:
  BoxResetsTest() {
    settings_.set_baseline({{"ev.mode", "pv_surplus"}}, clock_.wall_ms());
    EXPECT_TRUE(settings_.set_override("ev.mode", "fast", "owner", store::SettingRole::owner,
                                       clock_.wall_ms()));
    const std::string owner = login_token("owner", kInitial.owner);
    EXPECT_TRUE(accounts_->change_password(owner, kInitial.owner, "owner-chosen-pw"));
    // Declared after BoxResets subscribed, as in hearthd (the Board starts later).
    button_ = points_.declare(kButtonEventPoint, HEARTH_VALUE_STRING, "", 0);
  }

  void press(const char *action) {
    ASSERT_EQ(points_.publish(button_, text(action), 0, HEARTH_QUALITY_GOOD), HEARTH_OK);
  }

  store::SettingsStore settings_{*db_};
  bus::PointStore points_{clock_};
  int restarts_ = 0;
  BoxResets resets_{points_, *accounts_, settings_, clock_, [this] { ++restarts_; }};
  bus::PointId button_ = -1;
};

TEST_F(BoxResetsTest, ResetPasswordsEventResetsPasswordsOnly) {
  press("reset-passwords");
  EXPECT_EQ(resets_.resets_done(), 1u);
  EXPECT_TRUE(accounts_->state(Role::owner).password_is_initial);
  EXPECT_EQ(accounts_->password_free_remaining_ms(), 180'000);
  EXPECT_TRUE(accounts_->login("owner", "", "fe80::5"));
  EXPECT_EQ(settings_.get("ev.mode")->value_text, "fast");
  EXPECT_EQ(restarts_, 0);
}

TEST_F(BoxResetsTest, FactoryResetEventRestoresFactorySettingsAndRestarts) {
  press("factory-reset");
  EXPECT_EQ(resets_.resets_done(), 1u);
  EXPECT_TRUE(accounts_->state(Role::owner).password_is_initial);
  EXPECT_EQ(accounts_->password_free_remaining_ms(), 0);
  EXPECT_EQ(settings_.get("ev.mode")->value_text, "pv_surplus");
  EXPECT_EQ(restarts_, 1);
}

TEST_F(BoxResetsTest, OtherButtonEventsResetNothing) {
  press("wake-access-point");
  EXPECT_EQ(resets_.resets_done(), 0u);
  EXPECT_EQ(resets_.other_button_events(), 1u);
  EXPECT_FALSE(accounts_->state(Role::owner).password_is_initial);
}

TEST_F(BoxResetsTest, OnlyAnInstallerSessionMayResetThroughTheApi) {
  const std::string owner = login_token("owner", "owner-chosen-pw");
  EXPECT_EQ(resets_.request(owner, accounts::ResetKind::factory).message,
            "only the installer may reset the box");
  EXPECT_EQ(resets_.request("bogus", accounts::ResetKind::passwords).message, "not logged in");
  EXPECT_EQ(restarts_, 0);
  EXPECT_FALSE(accounts_->state(Role::owner).password_is_initial);

  const std::string installer = login_token("installer", kInitial.installer);
  const auto outcome = resets_.request(installer, accounts::ResetKind::factory);
  ASSERT_TRUE(outcome) << outcome.message;
  EXPECT_EQ(restarts_, 1);
  EXPECT_EQ(settings_.get("ev.mode")->value_text, "pv_surplus");
  EXPECT_FALSE(accounts_->check(installer));  // every session ends with the reset
}

TEST_F(BoxResetsTest, APasswordFreeInstallerSessionMustSetAPasswordBeforeResetting) {
  press("reset-passwords");
  const auto session = accounts_->login("installer", "", "fe80::9");
  ASSERT_TRUE(session) << session.message;
  EXPECT_EQ(resets_.request(session.token, accounts::ResetKind::factory).message,
            "set a new password first");
  EXPECT_EQ(restarts_, 0);
}

}  // namespace
}  // namespace hearth::host
