#include <fstream>
#include <hearth/accounts/site_backup.hpp>
#include <hearth/store/kv_store.hpp>
#include <hearth/store/settings_store.hpp>
#include <sstream>

#include "accounts_fixture.hpp"
#include "table_snapshot.hpp"

namespace hearth::backup {
namespace {

namespace fs = std::filesystem;
using accounts::Accounts;
using accounts::Role;
using accounts::testing::kInitial;
using accounts::testing::kLanPeer;
using accounts::testing::snapshot;

std::string read_file(const fs::path &file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_file(const fs::path &file, const std::string &text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

// Every file under `root` with its content: "the target is untouched" means this is unchanged.
std::map<std::string, std::string> tree(const fs::path &root) {
  std::map<std::string, std::string> files;
  if (!fs::exists(root)) return files;
  for (const auto &entry : fs::recursive_directory_iterator(root)) {
    const std::string name = fs::relative(entry.path(), root).string();
    files[name] = entry.is_regular_file() ? read_file(entry.path()) : std::string("<dir>");
  }
  return files;
}

// The old box: a site with YAML, settings overrides, a changed owner password, history rows,
// a device's key-value state, fail-safe writes and a TLS key; hearthd's database stays open
// while the backup is taken.
class SiteBackupTest : public accounts::testing::AccountsFixture {
 protected:
  SiteBackupTest() {
    write_file(old_site_.config_dir / "hearth.yaml",
               "site:\n  name: house\nincludes: [devices/]\n");
    write_file(old_site_.config_dir / "devices" / "inverter.yml", "devices: []\n");
    write_file(old_site_.config_dir / "README", "not YAML: not in the backup\n");
    write_file(old_site_.state_dir / "failsafe.json", "{\"entries\": []}\n");
    write_file(old_site_.state_dir / "keys" / "tls.pem", "-----TLS KEY-----\n");
    write_file(old_site_.state_dir / "initial-passwords", "installer=a\nowner=b\n");

    store::SettingsStore settings(*db_);
    settings.set_baseline({{"ev.mode", "pv_surplus"}}, clock_.wall_ms());
    EXPECT_TRUE(settings.set_override("ev.mode", "fast", "owner", store::SettingRole::owner,
                                      clock_.wall_ms()));
    store::KvStore kv(*db_);
    const uint8_t counter[] = {9, 9, 9};
    kv.set("inverter-1", "energy_counter", counter);
    kv.flush();
    db_->exec(
        "CREATE TABLE fixture_history (point TEXT, minute INTEGER, mean REAL);"
        "INSERT INTO fixture_history VALUES ('inverter-1/power_w', 7, 1234.5);");
    const std::string owner = login_token("owner", kInitial.owner);
    EXPECT_TRUE(accounts_->change_password(owner, kInitial.owner, "owner-chosen-pw"));
    trusted_.add(box_key_.public_key());
  }

  BackupSummary make_backup() {
    return create_backup(old_site_, box_key_, archive_, clock_.wall_ms());
  }

  void flip_byte(std::streamoff offset_from_end) {
    std::string bytes = read_file(archive_);
    bytes[bytes.size() - static_cast<size_t>(offset_from_end)] ^= 0x01;
    write_file(archive_, bytes);
  }

  void expect_refused_and_untouched(BackupStatus status, const std::string &message_part) {
    const fs::path marker = new_site_.state_dir / "initial-passwords";
    write_file(marker, "installer=x\nowner=y\n");  // the new box's own label
    const auto before = tree(new_site_.state_dir);
    const auto check = restore_backup(archive_, trusted_, new_site_);
    EXPECT_EQ(check.status, status) << check.message;
    EXPECT_NE(check.message.find(message_part), std::string::npos) << check.message;
    EXPECT_EQ(tree(new_site_.state_dir), before);
    EXPECT_FALSE(fs::exists(new_site_.config_dir));
  }

  fs::path root_ = dir_.path();
  SiteLayout old_site_{fs::path(dir_.path()), root_ / "old-etc"};
  SiteLayout new_site_{root_ / "new-var", root_ / "new-etc"};
  fs::path archive_ = root_ / "site.hbk";
  signing::PrivateKey box_key_ = load_or_create_box_key(old_site_.state_dir);
  signing::TrustStore trusted_;
};

TEST_F(SiteBackupTest, RestoreOnAFreshBoxReproducesTheSite) {
  const auto summary = make_backup();
  EXPECT_EQ(summary.key_id, box_key_.key_id());
  EXPECT_EQ(summary.entries,
            (std::vector<std::string>{"config/devices/inverter.yml", "config/hearth.yaml",
                                      "state/hearth.db", "state/failsafe.json", "keys/tls.pem"}));
  const auto before = snapshot(db_->handle());

  const auto check = restore_backup(archive_, trusted_, new_site_);
  ASSERT_TRUE(check.ok()) << check.message;
  EXPECT_EQ(check.created_wall_ms, clock_.wall_ms());

  EXPECT_EQ(read_file(new_site_.config_dir / "hearth.yaml"),
            read_file(old_site_.config_dir / "hearth.yaml"));
  EXPECT_TRUE(fs::exists(new_site_.config_dir / "devices" / "inverter.yml"));
  EXPECT_FALSE(fs::exists(new_site_.config_dir / "README"));
  EXPECT_EQ(read_file(new_site_.state_dir / "failsafe.json"), "{\"entries\": []}\n");
  EXPECT_EQ(read_file(new_site_.state_dir / "keys" / "tls.pem"), "-----TLS KEY-----\n");
  // Per-box secrets stay behind: the box key and the label's passwords.
  EXPECT_FALSE(fs::exists(new_site_.state_dir / "keys" / kBoxSigningKeyFile));
  EXPECT_FALSE(fs::exists(new_site_.state_dir / "initial-passwords"));
  // The new box trusts the old box's key for its other backups.
  EXPECT_TRUE(backup_trust_store(new_site_.state_dir).find(box_key_.key_id()));

  store::Database restored(new_site_.state_dir / "hearth.db");
  EXPECT_EQ(snapshot(restored.handle()), before);  // settings, overrides, accounts, history, kv
  store::SettingsStore settings(restored);
  EXPECT_EQ(settings.get("ev.mode")->value_text, "fast");
  Accounts accounts(restored, clock_, {"new-box-inst-1", "new-box-owner-1"},
                    accounts::testing::fast_settings());
  EXPECT_TRUE(accounts.login("owner", "owner-chosen-pw", kLanPeer));
  EXPECT_TRUE(accounts.login("installer", kInitial.installer, kLanPeer));
}

TEST_F(SiteBackupTest, VerifyListsTheEntriesOfAGoodBackup) {
  make_backup();
  const auto check = verify_backup(archive_, trusted_);
  ASSERT_TRUE(check.ok()) << check.message;
  EXPECT_EQ(check.entries.size(), 5u);
  EXPECT_EQ(check.key_id, box_key_.key_id());
}

TEST_F(SiteBackupTest, AFlippedByteInTheDatabaseIsRefusedAndChangesNothing) {
  make_backup();
  flip_byte(100);  // inside the last entries
  expect_refused_and_untouched(BackupStatus::bad_signature, "does not match the content");
}

TEST_F(SiteBackupTest, AFlippedByteInTheConfigIsRefused) {
  make_backup();
  std::string bytes = read_file(archive_);
  const size_t at = bytes.find("name: house");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 6] = 'H';
  write_file(archive_, bytes);
  expect_refused_and_untouched(BackupStatus::bad_signature, "was changed or damaged");
}

TEST_F(SiteBackupTest, ABackupSignedByAnotherKeyIsRefused) {
  const auto stranger = signing::PrivateKey::generate();
  create_backup(old_site_, stranger, archive_, clock_.wall_ms());
  expect_refused_and_untouched(BackupStatus::unknown_key, "does not trust");
}

TEST_F(SiteBackupTest, ASignatureSwappedFromAnotherBackupIsRefused) {
  make_backup();
  const std::string good = read_file(archive_);
  clock_.advance_ms(1000);
  make_backup();  // another payload (created-wall-ms differs), same key
  std::string other = read_file(archive_);
  const auto header_end = [](const std::string &text) { return text.find("\n\n") + 2; };
  write_file(archive_, good.substr(0, header_end(good)) + other.substr(header_end(other)));
  expect_refused_and_untouched(BackupStatus::bad_signature, "does not match");
}

TEST_F(SiteBackupTest, TruncatedAndForeignFilesAreRefused) {
  make_backup();
  const std::string bytes = read_file(archive_);
  write_file(archive_, bytes.substr(0, bytes.size() - 10));
  expect_refused_and_untouched(BackupStatus::bad_signature, "does not match");
  write_file(archive_, "PK\x03\x04 a zip file\n");
  expect_refused_and_untouched(BackupStatus::malformed, "not a Hearth site backup");
}

TEST_F(SiteBackupTest, ABoxThatIsNotFreshIsNotOverwritten) {
  make_backup();
  write_file(new_site_.state_dir / "hearth.db", "the new box's own database");
  const auto before = tree(new_site_.state_dir);
  const auto check = restore_backup(archive_, trusted_, new_site_);
  EXPECT_EQ(check.status, BackupStatus::target_not_fresh);
  EXPECT_NE(check.message.find("not a fresh box"), std::string::npos);
  EXPECT_EQ(tree(new_site_.state_dir), before);
}

}  // namespace
}  // namespace hearth::backup
