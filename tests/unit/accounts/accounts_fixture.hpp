#pragma once
// A real SQLite file in a temp dir, a manual clock and the accounts on it, with fast argon2
// parameters (the default ones are checked in password_hash_test.cpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <hearth/accounts/accounts.hpp>
#include <hearth/core/clock.hpp>
#include <hearth/store/database.hpp>
#include <hearth/testing/child_process.hpp>
#include <memory>

namespace hearth::accounts::testing {

inline const InitialPasswords kInitial{"inst-initial-7", "owner-initial-9"};
inline constexpr char kLanPeer[] = "192.168.1.50";

inline AccountsSettings fast_settings() {
  AccountsSettings settings;
  settings.hash = Argon2Params{.memory_kib = 64, .time_cost = 1, .parallelism = 1};
  return settings;
}

class AccountsFixture : public ::testing::Test {
 protected:
  AccountsFixture() { open(); }

  void open() {
    accounts_.reset();
    db_ = std::make_unique<store::Database>(db_path_);
    accounts_ = std::make_unique<Accounts>(*db_, clock_, kInitial, fast_settings());
  }

  std::string login_token(std::string_view account, std::string_view password) {
    const auto result = accounts_->login(account, password, kLanPeer);
    EXPECT_TRUE(result) << result.message;
    return result.token;
  }

  hearth::testing::TempDir dir_;
  std::filesystem::path db_path_ = std::filesystem::path(dir_.path()) / "hearth.db";
  ManualClock clock_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Accounts> accounts_;
};

}  // namespace hearth::accounts::testing
