#include <fstream>
#include <sstream>

#include "accounts_fixture.hpp"

namespace hearth::accounts {
namespace {

using testing::kInitial;
using testing::kLanPeer;

class AccountsTest : public testing::AccountsFixture {};

TEST_F(AccountsTest, InstallerLogsInWithTheInitialPassword) {
  const auto result = accounts_->login("installer", kInitial.installer, kLanPeer);
  ASSERT_TRUE(result) << result.message;
  EXPECT_EQ(result.token.size(), 64u);
  EXPECT_FALSE(result.session.password_change_required);
  const auto session = accounts_->check(result.token);
  ASSERT_TRUE(session);
  EXPECT_EQ(session->role, Role::installer);
  EXPECT_EQ(session->account, "installer");
}

TEST_F(AccountsTest, WrongPasswordAndUnknownAccountAreRefusedWithAReason) {
  const auto wrong = accounts_->login("installer", kInitial.owner, kLanPeer);
  EXPECT_EQ(wrong.refusal, LoginRefusal::wrong_password);
  EXPECT_TRUE(wrong.token.empty());
  EXPECT_EQ(wrong.message, "wrong password");
  const auto unknown = accounts_->login("admin", "whatever", kLanPeer);
  EXPECT_EQ(unknown.refusal, LoginRefusal::unknown_account);
  EXPECT_FALSE(accounts_->check(""));
  EXPECT_FALSE(accounts_->check("00"));
  EXPECT_EQ(accounts_->session_count(), 0u);
}

TEST_F(AccountsTest, OwnerMustChangeTheInitialPasswordOnFirstLogin) {
  const auto first = accounts_->login("owner", kInitial.owner, kLanPeer);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first.session.password_change_required);
  EXPECT_TRUE(accounts_->check(first.token)->password_change_required);

  ASSERT_TRUE(accounts_->change_password(first.token, kInitial.owner, "my-own-password"));
  EXPECT_FALSE(accounts_->check(first.token)->password_change_required);
  EXPECT_FALSE(accounts_->state(Role::owner).password_is_initial);

  EXPECT_EQ(accounts_->login("owner", kInitial.owner, kLanPeer).refusal,
            LoginRefusal::wrong_password);
  const auto next = accounts_->login("owner", "my-own-password", kLanPeer);
  ASSERT_TRUE(next);
  EXPECT_FALSE(next.session.password_change_required);
}

TEST_F(AccountsTest, NewPasswordsFollowTheRules) {
  const std::string token = login_token("owner", kInitial.owner);
  EXPECT_EQ(accounts_->change_password(token, kInitial.owner, "short").message,
            "the new password needs at least 8 characters");
  EXPECT_EQ(accounts_->change_password(token, kInitial.owner, kInitial.owner).message,
            "the new password must differ from the initial password on the box");
  EXPECT_EQ(accounts_->change_password(token, "not-the-current", "good-password").message,
            "the current password is wrong");
  EXPECT_EQ(accounts_->change_password(token, kInitial.owner, std::string(129, 'x')).message,
            "the new password may have at most 128 characters");
  EXPECT_EQ(accounts_->change_password("no-such-token", kInitial.owner, "good-password").message,
            "not logged in (the session has ended)");
  EXPECT_TRUE(accounts_->state(Role::owner).password_is_initial);
}

TEST_F(AccountsTest, ChangingThePasswordEndsTheAccountsOtherSessions) {
  const std::string first = login_token("installer", kInitial.installer);
  const std::string second = login_token("installer", kInitial.installer);
  const std::string owner = login_token("owner", kInitial.owner);
  ASSERT_TRUE(accounts_->change_password(second, kInitial.installer, "new-installer-pw"));
  EXPECT_FALSE(accounts_->check(first));
  EXPECT_TRUE(accounts_->check(second));
  EXPECT_TRUE(accounts_->check(owner));
}

TEST_F(AccountsTest, FiveWrongPasswordsWithinTenMinutesLockTheAccountForFifteen) {
  for (int attempt = 1; attempt <= 4; ++attempt) {
    EXPECT_EQ(accounts_->login("installer", "guess", kLanPeer).refusal,
              LoginRefusal::wrong_password);
    clock_.advance_ms(60'000);
  }
  const auto fifth = accounts_->login("installer", "guess", kLanPeer);
  EXPECT_EQ(fifth.refusal, LoginRefusal::wrong_password);
  EXPECT_EQ(fifth.locked_for_ms, 15 * 60'000);

  const auto right_but_locked = accounts_->login("installer", kInitial.installer, kLanPeer);
  EXPECT_EQ(right_but_locked.refusal, LoginRefusal::locked_out);
  EXPECT_NE(right_but_locked.message.find("locked for 15 minutes"), std::string::npos);
  // The owner is a separate account.
  EXPECT_TRUE(accounts_->login("owner", kInitial.owner, kLanPeer));

  open();  // a restart keeps the lock
  clock_.advance_ms(15 * 60'000 - 1);
  EXPECT_EQ(accounts_->login("installer", kInitial.installer, kLanPeer).refusal,
            LoginRefusal::locked_out);
  clock_.advance_ms(1);
  EXPECT_TRUE(accounts_->login("installer", kInitial.installer, kLanPeer));
  EXPECT_EQ(accounts_->state(Role::installer).failed_logins, 0);
}

TEST_F(AccountsTest, FailuresSpreadBeyondTheWindowDoNotLock) {
  for (int attempt = 0; attempt < 4; ++attempt) accounts_->login("owner", "guess", kLanPeer);
  clock_.advance_ms(10 * 60'000 + 1);
  for (int attempt = 0; attempt < 4; ++attempt) accounts_->login("owner", "guess", kLanPeer);
  EXPECT_EQ(accounts_->state(Role::owner).locked_until_wall_ms, 0);
  EXPECT_EQ(accounts_->state(Role::owner).failed_logins, 4);
  EXPECT_TRUE(accounts_->login("owner", kInitial.owner, kLanPeer));
}

TEST_F(AccountsTest, SessionsEndWhenIdleAtTheAbsoluteLimitAndOnLogout) {
  const std::string idle = login_token("installer", kInitial.installer);
  clock_.advance_ms(30 * 60'000 - 1);
  EXPECT_TRUE(accounts_->check(idle));
  clock_.advance_ms(30 * 60'000);
  EXPECT_FALSE(accounts_->check(idle));

  const std::string busy = login_token("installer", kInitial.installer);
  for (int step = 0; step < 24; ++step) {
    clock_.advance_ms(29 * 60'000);
    ASSERT_TRUE(accounts_->check(busy)) << step;
  }
  clock_.advance_ms(24 * 60'000);  // 12 h after login
  EXPECT_FALSE(accounts_->check(busy));

  const std::string token = login_token("owner", kInitial.owner);
  EXPECT_TRUE(accounts_->logout(token));
  EXPECT_FALSE(accounts_->check(token));
  EXPECT_FALSE(accounts_->logout(token));
}

TEST_F(AccountsTest, PasswordFreeLoginOnlyAfterAResetAndOnlyFromLocalAddresses) {
  EXPECT_EQ(accounts_->login("installer", "", "fe80::1%wlan0").refusal,
            LoginRefusal::password_required);

  accounts_->reset_passwords("test");
  EXPECT_EQ(accounts_->password_free_remaining_ms(), 180'000);
  for (const char *local :
       {"fe80::1%wlan0", "fe80::abcd", "169.254.10.20", "192.168.8.33", "::ffff:192.168.8.7"}) {
    const auto result = accounts_->login("owner", "", local);
    ASSERT_TRUE(result) << local << ": " << result.message;
    EXPECT_TRUE(result.session.password_change_required) << local;
  }
  for (const char *remote : {kLanPeer, "10.0.0.8", "2001:db8::1", "192.168.9.1", "not-an-ip"}) {
    const auto result = accounts_->login("installer", "", remote);
    EXPECT_EQ(result.refusal, LoginRefusal::password_free_not_here) << remote;
    EXPECT_NE(result.message.find("access point or a link-local address"), std::string::npos);
  }
  // A password-free session sets a new password without knowing the old one.
  const auto session = accounts_->login("installer", "", "169.254.1.1");
  ASSERT_TRUE(accounts_->change_password(session.token, "", "fresh-installer-pw"));
  EXPECT_FALSE(accounts_->check(session.token)->password_change_required);

  clock_.advance_ms(180'000 - 1);
  EXPECT_TRUE(accounts_->login("owner", "", "fe80::2"));
  clock_.advance_ms(1);
  EXPECT_EQ(accounts_->password_free_remaining_ms(), 0);
  EXPECT_EQ(accounts_->login("owner", "", "fe80::2").refusal, LoginRefusal::password_required);
}

TEST_F(AccountsTest, PasswordResetRestoresInitialPasswordsClearsLocksAndEndsSessions) {
  const std::string owner = login_token("owner", kInitial.owner);
  ASSERT_TRUE(accounts_->change_password(owner, kInitial.owner, "owner-chosen-pw"));
  for (int attempt = 0; attempt < 5; ++attempt) accounts_->login("installer", "guess", kLanPeer);
  ASSERT_GT(accounts_->state(Role::installer).locked_until_wall_ms, 0);

  accounts_->reset_passwords("rst-button");
  EXPECT_FALSE(accounts_->check(owner));
  EXPECT_EQ(accounts_->session_count(), 0u);
  EXPECT_EQ(accounts_->state(Role::installer).locked_until_wall_ms, 0);
  EXPECT_TRUE(accounts_->state(Role::owner).password_is_initial);
  EXPECT_EQ(accounts_->login("owner", "owner-chosen-pw", kLanPeer).refusal,
            LoginRefusal::wrong_password);
  EXPECT_TRUE(accounts_->login("owner", kInitial.owner, kLanPeer).session.password_change_required);
  EXPECT_TRUE(accounts_->login("installer", kInitial.installer, kLanPeer));
}

std::string file_bytes(const std::filesystem::path &file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

TEST_F(AccountsTest, NoPasswordReachesTheDatabaseInClear) {
  const std::string owner = login_token("owner", kInitial.owner);
  accounts_->login("owner", "a-wrong-guess-xyz", kLanPeer);
  ASSERT_TRUE(accounts_->change_password(owner, kInitial.owner, "chosen-secret-abc"));
  db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  for (const auto &file : {db_path_, std::filesystem::path(db_path_.string() + "-wal")}) {
    const std::string bytes = file_bytes(file);
    for (const std::string &secret :
         {kInitial.owner, kInitial.installer, std::string("a-wrong-guess-xyz"),
          std::string("chosen-secret-abc")}) {
      EXPECT_EQ(bytes.find(secret), std::string::npos) << secret << " in " << file;
    }
  }
  const auto audit = accounts_->audit();
  ASSERT_GE(audit.size(), 3u);
  EXPECT_EQ(audit[0].event, "password-changed");
  EXPECT_EQ(audit[1].event, "refused");
  EXPECT_EQ(audit[1].peer, kLanPeer);
}

}  // namespace
}  // namespace hearth::accounts
