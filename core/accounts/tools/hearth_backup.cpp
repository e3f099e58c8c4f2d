// hearth-backup: the signed site backup for controller replacement (site_backup.hpp,
// docs/accounts.md "Controller replacement", docs/adr/0004-site-backup-trust.md).
//
//   hearth-backup public-key [--state-dir D]                 the box's backup key, for the records
//   hearth-backup create  [--state-dir D] [--config-dir C] [--database F] -o site.hbk
//   hearth-backup verify  --trust old-box.pem site.hbk
//   hearth-backup restore --trust old-box.pem [--state-dir D] [--config-dir C] site.hbk
//
// Exit status: 0 done, 1 refused (the message says why), 2 usage.
#include <CLI/CLI.hpp>
#include <chrono>
#include <hearth/accounts/site_backup.hpp>
#include <iostream>

namespace {

namespace backup = hearth::backup;
namespace fs = std::filesystem;

int64_t now_wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

hearth::signing::TrustStore trust_of(const fs::path &state_dir,
                                     const std::vector<std::string> &trusted_files) {
  auto trusted = backup::backup_trust_store(state_dir);
  for (const auto &file : trusted_files) {
    trusted.add(hearth::signing::PublicKey::from_pem_file(file), file);
  }
  return trusted;
}

int report(const backup::BackupCheck &check) {
  (check.ok() ? std::cout : std::cerr) << (check.ok() ? "" : "refused: ") << check.message << "\n";
  if (check.ok()) {
    for (const auto &entry : check.entries) std::cout << "  " << entry << "\n";
  }
  return check.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"hearth-backup: signed site backups for replacing a Hearth controller"};
  app.require_subcommand(1);
  std::string state_dir = "/var/lib/hearth";
  std::string config_dir = "/etc/hearth";
  std::string database;
  std::string archive;
  std::vector<std::string> trusted_files;

  auto *public_key = app.add_subcommand("public-key", "print this box's backup signing key (PEM)");
  public_key->add_option("--state-dir", state_dir, "hearthd's state directory");

  auto *create = app.add_subcommand("create", "write a signed backup of this site");
  create->add_option("--state-dir", state_dir, "hearthd's state directory");
  create->add_option("--config-dir", config_dir, "the directory of the YAML files");
  create->add_option("--database", database, "the database (default <state-dir>/hearth.db)");
  create->add_option("-o,--output", archive, "the archive to write")->required();

  auto *verify = app.add_subcommand("verify", "check a backup's signature and structure");
  verify->add_option("--state-dir", state_dir, "whose keys/backup-trusted/ to trust");
  verify->add_option("--trust", trusted_files, "a trusted public key (PEM); repeatable");
  verify->add_option("archive", archive, "the backup")->required();

  auto *restore = app.add_subcommand("restore", "restore a backup onto this (fresh) box");
  restore->add_option("--state-dir", state_dir, "hearthd's state directory (hearthd stopped)");
  restore->add_option("--config-dir", config_dir, "where the YAML files go");
  restore->add_option("--database", database,
                      "where the database goes (default <state-dir>/hearth.db)");
  restore->add_option("--trust", trusted_files, "a trusted public key (PEM); repeatable");
  restore->add_option("archive", archive, "the backup")->required();
  CLI11_PARSE(app, argc, argv);

  try {
    if (*public_key) {
      const auto key = backup::load_or_create_box_key(state_dir);
      std::cout << key.public_key().to_pem();
      std::cerr << "key id " << key.key_id() << "\n";
      return 0;
    }
    if (*create) {
      const auto key = backup::load_or_create_box_key(state_dir);
      const auto summary =
          backup::create_backup({state_dir, config_dir, database}, key, archive, now_wall_ms());
      std::cout << archive << ": " << summary.entries.size() << " entries, " << summary.bytes
                << " bytes, signed by key " << summary.key_id << "\n";
      for (const auto &entry : summary.entries) std::cout << "  " << entry << "\n";
      return 0;
    }
    const auto trusted = trust_of(state_dir, trusted_files);
    if (*verify) return report(backup::verify_backup(archive, trusted));
    return report(backup::restore_backup(archive, trusted, {state_dir, config_dir, database}));
  } catch (const std::exception &error) {
    std::cerr << "hearth-backup: " << error.what() << "\n";
    return 1;
  }
}
