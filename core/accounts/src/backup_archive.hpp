#pragma once
// The site backup's file format (site_backup.hpp): header, payload entries and the digest the
// signature covers. Private to hearth_site_backup.
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hearth::backup::detail {

inline constexpr char kMagicLine[] = "hearth-site-backup 1\n";
inline constexpr size_t kMaxLineBytes = 512;

using Digest = std::array<uint8_t, 64>;

// SHA-512, fed in pieces.
class Sha512 {
 public:
  Sha512();
  void update(const void *data, size_t size);
  Digest finish();

 private:
  struct Free {
    void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

// What the signature covers: the magic line, then the payload's digest.
std::vector<uint8_t> signed_message(const Digest &payload_digest);

std::string to_base64(const std::vector<uint8_t> &bytes);
std::optional<std::vector<uint8_t>> from_base64(const std::string &text);

struct Header {
  std::string key_id;
  std::vector<uint8_t> signature;
};
std::string format_header(const Header &header);
// Reads the header from the start of `in`; nullopt (with `error`) when it is not one.
std::optional<Header> read_header(std::istream &in, std::string &error);

enum class EntryKind { config, state, keys };
const char *to_string(EntryKind kind);

struct EntryHeader {
  EntryKind kind = EntryKind::config;
  uint64_t bytes = 0;
  std::string path;  // relative, checked: no "..", no ".", no absolute path, no empty part
  std::string name() const { return std::string(to_string(kind)) + "/" + path; }
};
std::string format_entry(const EntryHeader &entry);

// Reads the payload line by line, hashing what it reads. Core of verify and restore.
class PayloadReader {
 public:
  PayloadReader(std::istream &in, uint64_t payload_bytes);
  // The created-wall-ms line; false (with error()) when missing.
  bool read_preamble(int64_t &created_wall_ms);
  // The next entry's header, or nullopt at "end" (done() true) or on an error.
  std::optional<EntryHeader> next();
  // Copies (or, with out == nullptr, skips) the current entry's bytes.
  bool copy_body(const EntryHeader &entry, std::ostream *out);
  // true after "end" and nothing after it.
  bool finish();
  Digest digest() { return sha_.finish(); }
  const std::string &error() const { return error_; }

 private:
  std::optional<std::string> line();
  bool read(char *buffer, size_t size);
  std::istream &in_;
  uint64_t remaining_;
  Sha512 sha_;
  std::string error_;
};

// Hashes `size` bytes of `in` from its position; false when fewer were there.
bool hash_stream(std::istream &in, Sha512 &sha);

}  // namespace hearth::backup::detail
