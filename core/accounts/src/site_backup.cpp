#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <hearth/accounts/site_backup.hpp>
#include <random>
#include <stdexcept>

#include "backup_archive.hpp"

namespace hearth::backup {

namespace fs = std::filesystem;
using detail::EntryHeader;
using detail::EntryKind;

namespace {

constexpr char kDatabaseFile[] = "hearth.db";
constexpr char kFailsafeFile[] = "failsafe.json";

[[noreturn]] void fail(const fs::path &file, const std::string &what) {
  throw std::runtime_error(file.string() + ": " + what);
}

bool is_yaml(const fs::path &file) {
  return file.extension() == ".yaml" || file.extension() == ".yml";
}

// Regular files under `root` that `wanted` accepts, as sorted relative paths.
template <typename Predicate>
std::vector<fs::path> files_under(const fs::path &root, Predicate wanted) {
  std::vector<fs::path> files;
  if (!fs::is_directory(root)) return files;
  for (const auto &entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && wanted(entry.path())) {
      files.push_back(fs::relative(entry.path(), root));
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// SQLite's online backup API: a consistent copy while hearthd keeps writing (WAL readers do not
// block the writer).
void copy_database(const fs::path &source, const fs::path &target) {
  sqlite3 *from = nullptr;
  sqlite3 *to = nullptr;
  std::string error;
  if (sqlite3_open_v2(source.c_str(), &from, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    error = "cannot open: " + std::string(sqlite3_errmsg(from));
  } else if (sqlite3_open_v2(target.c_str(), &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             nullptr) != SQLITE_OK) {
    error = "cannot create the copy " + target.string() + ": " + sqlite3_errmsg(to);
  } else {
    sqlite3_backup *backup = sqlite3_backup_init(to, "main", from, "main");
    if (backup == nullptr) {
      error = std::string("cannot start the online backup: ") + sqlite3_errmsg(to);
    } else {
      const int rc = sqlite3_backup_step(backup, -1);
      sqlite3_backup_finish(backup);
      if (rc != SQLITE_DONE) error = std::string("online backup failed: ") + sqlite3_errstr(rc);
    }
  }
  sqlite3_close(from);
  sqlite3_close(to);
  if (!error.empty()) fail(source, error);
}

class PayloadWriter {
 public:
  explicit PayloadWriter(const fs::path &file) : file_(file), out_(file, std::ios::binary) {
    if (!out_) fail(file, "cannot create");
  }
  void text(const std::string &line) {
    sha_.update(line.data(), line.size());
    out_ << line;
  }
  void entry(EntryKind kind, const fs::path &relative, const fs::path &source) {
    std::ifstream in(source, std::ios::binary);
    if (!in) fail(source, "cannot read");
    const EntryHeader header{kind, fs::file_size(source), relative.generic_string()};
    text(detail::format_entry(header));
    std::vector<char> buffer(64 * 1024);
    uint64_t copied = 0;
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
      const auto count = static_cast<size_t>(in.gcount());
      sha_.update(buffer.data(), count);
      out_.write(buffer.data(), static_cast<std::streamsize>(count));
      copied += count;
    }
    if (copied != header.bytes) fail(source, "changed while it was being copied");
    names_.push_back(header.name());
  }
  detail::Digest close() {
    out_.close();
    if (!out_) fail(file_, "cannot write");
    return sha_.finish();
  }
  std::vector<std::string> names_;

 private:
  fs::path file_;
  std::ofstream out_;
  detail::Sha512 sha_;
};

void append_file(std::ofstream &out, const fs::path &source) {
  std::ifstream in(source, std::ios::binary);
  out << in.rdbuf();
}

std::string random_suffix() {
  std::random_device device;
  return std::to_string(device());
}

BackupCheck refusal(BackupStatus status, const fs::path &archive, const std::string &what,
                    std::string key_id = {}) {
  BackupCheck check;
  check.status = status;
  check.key_id = std::move(key_id);
  check.message = archive.string() + ": " + what;
  return check;
}

// Pass 1: header, trusted key, signature over the whole payload.
struct Verified {
  BackupCheck check;
  detail::Digest digest{};
  std::streamoff payload_offset = 0;
  uint64_t payload_bytes = 0;
  const signing::TrustedKey *signer = nullptr;
};

Verified verify_signature(const fs::path &archive, const signing::TrustStore &trusted) {
  Verified result;
  auto refused = [&](BackupStatus status, const std::string &what, std::string key_id = {}) {
    result.check = refusal(status, archive, what, std::move(key_id));
    return result;
  };
  std::ifstream in(archive, std::ios::binary);
  if (!in) return refused(BackupStatus::unreadable, "cannot read");
  std::string error;
  const auto header = detail::read_header(in, error);
  if (!header) return refused(BackupStatus::malformed, error);
  result.signer = trusted.find(header->key_id);
  if (result.signer == nullptr) {
    return refused(BackupStatus::unknown_key,
                   "signed by key " + header->key_id +
                       ", which this box does not trust (give it the old box's public key with "
                       "--trust)",
                   header->key_id);
  }
  result.payload_offset = in.tellg();
  result.payload_bytes = fs::file_size(archive) - static_cast<uint64_t>(result.payload_offset);
  detail::Sha512 sha;
  detail::hash_stream(in, sha);
  result.digest = sha.finish();
  if (!result.signer->key.verify(detail::signed_message(result.digest), header->signature)) {
    return refused(BackupStatus::bad_signature,
                   "the signature of key " + header->key_id +
                       " does not match the content: the file was changed or damaged; nothing "
                       "was restored",
                   header->key_id);
  }
  result.check.status = BackupStatus::ok;
  result.check.key_id = header->key_id;
  return result;
}

// Pass 2: walks the entries (hashing again, so a file swapped between the passes is caught) and
// hands each to `sink` (which may skip it with a null stream).
template <typename Sink>
BackupCheck walk_entries(const fs::path &archive, const Verified &verified, Sink sink) {
  std::ifstream in(archive, std::ios::binary);
  in.seekg(verified.payload_offset);
  detail::PayloadReader reader(in, verified.payload_bytes);
  BackupCheck check = verified.check;
  if (!reader.read_preamble(check.created_wall_ms)) {
    return refusal(BackupStatus::malformed, archive, reader.error(), check.key_id);
  }
  while (auto entry = reader.next()) {
    std::ostream *out = sink(*entry);
    if (!reader.copy_body(*entry, out)) {
      return refusal(BackupStatus::malformed, archive, reader.error(), check.key_id);
    }
    check.entries.push_back(entry->name());
  }
  if (!reader.error().empty() || !reader.finish()) {
    return refusal(BackupStatus::malformed, archive, reader.error(), check.key_id);
  }
  if (reader.digest() != verified.digest) {
    return refusal(BackupStatus::bad_signature, archive,
                   "the file changed while it was being read; nothing was restored", check.key_id);
  }
  check.message = archive.string() + ": signed by trusted key " + check.key_id + ", " +
                  std::to_string(check.entries.size()) + " entries";
  return check;
}

bool database_is_intact(const fs::path &file, std::string &error) {
  sqlite3 *db = nullptr;
  bool ok = false;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt *check = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &check, nullptr) == SQLITE_OK &&
        sqlite3_step(check) == SQLITE_ROW) {
      const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(check, 0));
      ok = text != nullptr && std::string(text) == "ok";
      if (!ok) error = text != nullptr ? text : "integrity check gave no answer";
    }
    sqlite3_finalize(check);
  }
  if (!ok && error.empty()) error = sqlite3_errmsg(db);
  sqlite3_close(db);
  return ok;
}

fs::path destination(const SiteLayout &target, EntryKind kind, const fs::path &relative) {
  switch (kind) {
    case EntryKind::config:
      return target.config_dir / relative;
    case EntryKind::state:
      return relative == kDatabaseFile ? target.database() : target.state_dir / relative;
    case EntryKind::keys:
      return target.state_dir / "keys" / relative;
  }
  return {};
}

// The config dir (/etc/hearth) is often on another file system than the state dir, where the
// staging is: rename when possible, copy otherwise.
void move_file(const fs::path &from, const fs::path &to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (!error) return;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  fs::remove(from);
}

std::optional<std::string> why_not_fresh(const SiteLayout &target) {
  if (fs::exists(target.database())) return target.database().string() + " exists";
  const auto yaml = files_under(target.config_dir, is_yaml);
  if (!yaml.empty()) return (target.config_dir / yaml.front()).string() + " exists";
  return std::nullopt;
}

}  // namespace

const char *to_string(BackupStatus status) {
  switch (status) {
    case BackupStatus::ok:
      return "ok";
    case BackupStatus::unreadable:
      return "unreadable";
    case BackupStatus::malformed:
      return "malformed";
    case BackupStatus::unknown_key:
      return "unknown key";
    case BackupStatus::bad_signature:
      return "bad signature";
    case BackupStatus::target_not_fresh:
      return "target not fresh";
    case BackupStatus::restore_failed:
      return "restore failed";
  }
  return "?";
}

signing::PrivateKey load_or_create_box_key(const fs::path &state_dir) {
  const fs::path file = state_dir / "keys" / kBoxSigningKeyFile;
  if (fs::exists(file)) return signing::PrivateKey::from_pem_file(file);
  fs::create_directories(file.parent_path());
  auto key = signing::PrivateKey::generate();
  key.save_pem_file(file);
  return key;
}

signing::TrustStore backup_trust_store(const fs::path &state_dir) {
  return signing::TrustStore::load_directory(state_dir / "keys" / kBackupTrustDir);
}

BackupSummary create_backup(const SiteLayout &site, const signing::PrivateKey &key,
                            const fs::path &archive, int64_t created_wall_ms) {
  const std::string suffix = ".tmp-" + random_suffix();
  const fs::path payload_file = archive.string() + suffix + "-payload";
  const fs::path database_copy = archive.string() + suffix + "-db";
  const fs::path archive_tmp = archive.string() + suffix;
  struct Cleanup {
    std::vector<fs::path> files;
    ~Cleanup() {
      std::error_code ignored;
      for (const auto &file : files) fs::remove(file, ignored);
    }
  } cleanup{{payload_file, database_copy, archive_tmp}};

  PayloadWriter payload(payload_file);
  payload.text("created-wall-ms " + std::to_string(created_wall_ms) + "\n");
  for (const auto &file : files_under(site.config_dir, is_yaml)) {
    payload.entry(EntryKind::config, file, site.config_dir / file);
  }
  const fs::path database = site.database();
  if (!fs::exists(database)) fail(database, "no database to back up");
  copy_database(database, database_copy);
  payload.entry(EntryKind::state, kDatabaseFile, database_copy);
  if (fs::exists(site.state_dir / kFailsafeFile)) {
    payload.entry(EntryKind::state, kFailsafeFile, site.state_dir / kFailsafeFile);
  }
  const fs::path keys = site.state_dir / "keys";
  // The box's own signing key stays on the box: whoever holds a backup must not be able to sign
  // one (docs/adr/0004-site-backup-trust.md).
  for (const auto &file : files_under(
           keys, [](const fs::path &path) { return path.filename() != kBoxSigningKeyFile; })) {
    payload.entry(EntryKind::keys, file, keys / file);
  }
  payload.text("end\n");
  const auto digest = payload.close();

  std::ofstream out(archive_tmp, std::ios::binary);
  if (!out) fail(archive_tmp, "cannot create");
  out << detail::format_header({key.key_id(), key.sign(detail::signed_message(digest))});
  append_file(out, payload_file);
  out.close();
  if (!out) fail(archive_tmp, "cannot write");
  fs::rename(archive_tmp, archive);
  return {key.key_id(), payload.names_, fs::file_size(archive)};
}

BackupCheck verify_backup(const fs::path &archive, const signing::TrustStore &trusted) {
  try {
    const Verified verified = verify_signature(archive, trusted);
    if (!verified.check.ok()) return verified.check;
    return walk_entries(archive, verified,
                        [](const EntryHeader &) -> std::ostream * { return nullptr; });
  } catch (const std::exception &error) {
    return refusal(BackupStatus::unreadable, archive, error.what());
  }
}

BackupCheck restore_backup(const fs::path &archive, const signing::TrustStore &trusted,
                           const SiteLayout &target) {
  try {
    if (const auto reason = why_not_fresh(target)) {
      return refusal(BackupStatus::target_not_fresh, archive,
                     "the target is not a fresh box (" + *reason + "); nothing was restored");
    }
    const Verified verified = verify_signature(archive, trusted);
    if (!verified.check.ok()) return verified.check;

    const bool state_dir_existed = fs::exists(target.state_dir);
    const fs::path staging = target.state_dir / (".restore-" + random_suffix());
    std::vector<std::pair<fs::path, fs::path>> moves;  // staged -> destination
    std::unique_ptr<std::ofstream> current;
    auto abandon = [&](BackupCheck check) {
      current.reset();
      std::error_code ignored;
      fs::remove_all(staging, ignored);
      if (!state_dir_existed) fs::remove_all(target.state_dir, ignored);
      return check;
    };
    fs::create_directories(staging);
    BackupCheck check = walk_entries(archive, verified, [&](const EntryHeader &entry) {
      const fs::path staged = staging / std::to_string(moves.size());
      moves.emplace_back(staged, destination(target, entry.kind, entry.path));
      current = std::make_unique<std::ofstream>(staged, std::ios::binary);
      return current.get();
    });
    current.reset();
    if (!check.ok()) return abandon(check);

    const auto database = std::find_if(moves.begin(), moves.end(), [&](const auto &move) {
      return move.second == target.database();
    });
    std::string error = "the backup holds no database";
    if (database == moves.end() || !database_is_intact(database->first, error)) {
      return abandon(refusal(BackupStatus::malformed, archive,
                             "database: " + error + "; nothing was restored", check.key_id));
    }
    for (const auto &[staged, final_path] : moves) {
      fs::create_directories(final_path.parent_path());
      move_file(staged, final_path);
    }
    fs::remove_all(staging);
    const fs::path trust_dir = target.state_dir / "keys" / kBackupTrustDir;
    fs::create_directories(trust_dir);
    const fs::path signer_file = trust_dir / (check.key_id + ".pem");
    if (!fs::exists(signer_file)) signing::save_public_pem_file(verified.signer->key, signer_file);
    check.message = archive.string() + ": restored " + std::to_string(check.entries.size()) +
                    " entries signed by key " + check.key_id;
    return check;
  } catch (const std::exception &error) {
    return refusal(BackupStatus::restore_failed, archive, error.what());
  }
}

}  // namespace hearth::backup
