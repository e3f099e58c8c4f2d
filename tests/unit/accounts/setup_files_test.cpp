// The files an installer or board maker writes: initial-passwords and accounts.yaml; and the
// accounts' own migration list in the shared database file.
#include <sys/stat.h>

#include <fstream>
#include <hearth/accounts/accounts_settings.hpp>
#include <hearth/accounts/component_schema.hpp>
#include <hearth/accounts/initial_passwords.hpp>

#include "accounts_fixture.hpp"

namespace hearth::accounts {
namespace {

namespace fs = std::filesystem;

class SetupFilesTest : public ::testing::Test {
 protected:
  void write(const std::string &name, const std::string &text) {
    std::ofstream(dir_ / name) << text;
  }
  std::string error_of(const std::function<void()> &action) {
    try {
      action();
    } catch (const std::runtime_error &error) {
      return error.what();
    }
    return "(no error)";
  }

  hearth::testing::TempDir temp_;
  fs::path dir_ = temp_.path();
};

TEST_F(SetupFilesTest, MissingInitialPasswordsAreGeneratedOnceWithMode0600) {
  const fs::path file = dir_ / "initial-passwords";
  const auto made = load_or_create_initial_passwords(file);
  EXPECT_EQ(made.installer.size(), 12u);
  EXPECT_EQ(made.owner.size(), 12u);
  EXPECT_NE(made.installer, made.owner);
  EXPECT_EQ(made.installer.find_first_of("0O1lI"), std::string::npos);
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const auto again = load_or_create_initial_passwords(file);
  EXPECT_EQ(again.installer, made.installer);
  EXPECT_EQ(again.owner, made.owner);
}

TEST_F(SetupFilesTest, ProvisionedInitialPasswordsAreReadAndCheckedByLine) {
  write("good", "# printed on the label\ninstaller=Label Pass 1\nowner=xyz=abc\n");
  const auto passwords = read_initial_passwords(dir_ / "good");
  EXPECT_EQ(passwords.installer, "Label Pass 1");
  EXPECT_EQ(passwords.owner, "xyz=abc");
  write("typo", "installer=a\nowners=b\n");
  EXPECT_NE(error_of([&] { read_initial_passwords(dir_ / "typo"); }).find("line 2"),
            std::string::npos);
  write("half", "installer=a\n");
  EXPECT_NE(error_of([&] { read_initial_passwords(dir_ / "half"); }).find("no owner= line"),
            std::string::npos);
}

TEST_F(SetupFilesTest, AccountsYamlSetsTheAccessPointAndLockout) {
  EXPECT_EQ(load_accounts_settings(dir_ / "missing.yaml").lockout_failures, 5);
  write("accounts.yaml",
        "access_point_subnets: [10.42.0.0/24, 'fd00:42::/64']\nlockout_failures: 3\n"
        "lockout_duration_s: 60\n");
  const auto settings = load_accounts_settings(dir_ / "accounts.yaml");
  ASSERT_EQ(settings.access_point_subnets.size(), 2u);
  EXPECT_EQ(settings.access_point_subnets[0].to_string(), "10.42.0.0/24");
  EXPECT_EQ(settings.lockout_failures, 3);
  EXPECT_EQ(settings.lockout_duration, std::chrono::seconds(60));
  EXPECT_EQ(settings.lockout_window, std::chrono::seconds(600));
}

TEST_F(SetupFilesTest, AccountsYamlMistakesNameFileLineAndKey) {
  write("bad.yaml", "lockout_failures: 3\naccess_point_subnets: [192.168.8.1/24]\n");
  EXPECT_EQ(error_of([&] { load_accounts_settings(dir_ / "bad.yaml"); }),
            (dir_ / "bad.yaml").string() +
                ":2: access_point_subnets: expected a subnet such as 192.168.8.0/24 (no host "
                "bits), got '192.168.8.1/24'");
  write("unknown.yaml", "lockout: 3\n");
  EXPECT_NE(error_of([&] {
              load_accounts_settings(dir_ / "unknown.yaml");
            }).find(":1: lockout: unknown key"),
            std::string::npos);
  write("range.yaml", "lockout_failures: 0\n");
  EXPECT_NE(error_of([&] { load_accounts_settings(dir_ / "range.yaml"); }).find("from 1 to 100"),
            std::string::npos);
}

TEST_F(SetupFilesTest, ComponentMigrationsRunOnceAndRefuseANewerFile) {
  const std::vector<store::Migration> v1 = {{"one", "CREATE TABLE a (x INTEGER)"}};
  const std::vector<store::Migration> v2 = {v1[0], {"two", "CREATE TABLE b (y INTEGER)"}};
  {
    store::Database db(dir_ / "hearth.db");
    EXPECT_EQ(migrate_component(db, "widget", v1), 1);
    EXPECT_EQ(migrate_component(db, "widget", v1), 0);
    EXPECT_EQ(migrate_component(db, "widget", v2), 1);
    EXPECT_EQ(component_version(db, "widget"), 2);
    EXPECT_EQ(component_version(db, "other"), 0);
  }
  store::Database reopened(dir_ / "hearth.db");
  EXPECT_EQ(component_version(reopened, "widget"), 2);
  EXPECT_NE(error_of([&] {
              migrate_component(reopened, "widget", v1);
            }).find("widget schema version 2 is newer than this program (knows 1)"),
            std::string::npos);
  const std::vector<store::Migration> broken = {v1[0], v2[1], {"three", "NOT SQL"}};
  EXPECT_NE(error_of([&] {
              migrate_component(reopened, "widget", broken);
            }).find("widget migration 3: three"),
            std::string::npos);
  EXPECT_EQ(component_version(reopened, "widget"), 2);
}

}  // namespace
}  // namespace hearth::accounts
