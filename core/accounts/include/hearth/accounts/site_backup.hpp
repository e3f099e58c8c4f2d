#pragma once
// Controller replacement (issue 7 item 5; emma-functions.md "Device replacement: the new
// controller takes over the old one's plant"): one signed archive holds the site - the YAML
// configuration, the database (settings, overrides, accounts, history, device registry; copied
// with SQLite's online backup API, so hearthd keeps running), the fail-safe writes and the keys -
// and a new box restores it to take over the site.
//
// Trust (docs/adr/0004-site-backup-trust.md): every box signs its backups with its own Ed25519
// key, <state_dir>/keys/box-signing.pem, which never leaves the box and is never in a backup.
// The installer keeps the box's public key with the site's records at commissioning
// (`hearth-backup public-key`); the new box accepts a backup only when the installer hands it
// that key (or it is in <state_dir>/keys/backup-trusted/). A backup that does not verify -
// tampered, truncated, signed by an unknown key - is refused with a message and changes nothing.
//
// Archive format (version 1): a text header, then the signed payload.
//
//   hearth-site-backup 1\n
//   key-id <16 hex digits>\n            (keys.hpp: which key signed it)
//   ed25519 <base64 of 64 bytes>\n
//   \n
//   created-wall-ms <ms>\n              (payload starts here)
//   entry <config|state|keys> <bytes> <relative path>\n<bytes>   (repeated)
//   end\n
//
// The signed message is "hearth-site-backup 1\n" followed by SHA-512 over the payload (as in
// plugin signatures: hashing lets a large database be read in pieces).
#include <cstdint>
#include <filesystem>
#include <hearth/signing/keys.hpp>
#include <hearth/signing/trust_store.hpp>
#include <string>
#include <vector>

namespace hearth::backup {

inline constexpr char kBoxSigningKeyFile[] = "box-signing.pem";  // in <state_dir>/keys/
inline constexpr char kBackupTrustDir[] = "backup-trusted";      // in <state_dir>/keys/

struct SiteLayout {
  std::filesystem::path state_dir;           // hearth.db, failsafe.json, keys/
  std::filesystem::path config_dir;          // the YAML files (*.yaml, *.yml, in subfolders too)
  std::filesystem::path database_file = {};  // empty: <state_dir>/hearth.db
  std::filesystem::path database() const {
    return database_file.empty() ? state_dir / "hearth.db" : database_file;
  }
};

// <state_dir>/keys/box-signing.pem, made (mode 0600) when missing. Throws signing::SigningError.
signing::PrivateKey load_or_create_box_key(const std::filesystem::path &state_dir);

// The keys a restore into `state_dir` trusts without being told: <state_dir>/keys/backup-trusted/.
signing::TrustStore backup_trust_store(const std::filesystem::path &state_dir);

struct BackupSummary {
  std::string key_id;
  std::vector<std::string> entries;  // "config/hearth.yaml", "state/hearth.db", "keys/..."
  uint64_t bytes = 0;                // the archive's size
};

// Writes the signed archive (to a temporary name, renamed when complete). Throws
// std::runtime_error naming the file that could not be read or written.
BackupSummary create_backup(const SiteLayout &site, const signing::PrivateKey &key,
                            const std::filesystem::path &archive, int64_t created_wall_ms);

enum class BackupStatus {
  ok,
  unreadable,        // the archive cannot be read
  malformed,         // not a site backup, or its structure is broken
  unknown_key,       // signed by a key the box does not trust
  bad_signature,     // the content does not match the signature (tampered or corrupted)
  target_not_fresh,  // restore: the target already has a database or YAML files
  restore_failed,    // restore: verified, but writing the target failed (the target is as before)
};
const char *to_string(BackupStatus status);

struct BackupCheck {
  BackupStatus status = BackupStatus::unreadable;
  std::string key_id;
  int64_t created_wall_ms = 0;
  std::vector<std::string> entries;
  std::string message;  // one line, naming the archive and what was found
  bool ok() const { return status == BackupStatus::ok; }
};

// Checks signature and structure; never throws.
BackupCheck verify_backup(const std::filesystem::path &archive, const signing::TrustStore &trusted);

// Verifies, then restores into a fresh target (no hearth.db in state_dir, no YAML in config_dir;
// both may be missing). Nothing in the target changes unless the whole archive verified: entries
// are staged first and moved into place at the end. The signer's public key is added to
// <state_dir>/keys/backup-trusted/, so the new box also accepts the old box's other backups.
// Never throws.
BackupCheck restore_backup(const std::filesystem::path &archive, const signing::TrustStore &trusted,
                           const SiteLayout &target);

}  // namespace hearth::backup
