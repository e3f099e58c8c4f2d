#include "backup_archive.hpp"

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace hearth::backup::detail {

namespace {

constexpr size_t kCopyBufferBytes = 64 * 1024;

bool safe_relative_path(const std::string &path) {
  if (path.empty() || path.size() > 255 || path.front() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = std::min(path.find('/', start), path.size());
    const std::string part = path.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = slash + 1;
  }
  return path.find('\0') == std::string::npos;
}

std::optional<EntryKind> kind_from(const std::string &text) {
  if (text == "config") return EntryKind::config;
  if (text == "state") return EntryKind::state;
  if (text == "keys") return EntryKind::keys;
  return std::nullopt;
}

}  // namespace

Sha512::Sha512() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha512(), nullptr) != 1) {
    throw std::runtime_error("cannot start SHA-512 (OpenSSL)");
  }
}

void Sha512::update(const void *data, size_t size) {
  EVP_DigestUpdate(ctx_.get(), data, size);
}

Digest Sha512::finish() {
  Digest digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx_.get(), digest.data(), &length);
  return digest;
}

std::vector<uint8_t> signed_message(const Digest &payload_digest) {
  const std::string_view magic = kMagicLine;
  std::vector<uint8_t> message(magic.size() + payload_digest.size());
  std::memcpy(message.data(), magic.data(), magic.size());
  std::memcpy(message.data() + magic.size(), payload_digest.data(), payload_digest.size());
  return message;
}

std::string to_base64(const std::vector<uint8_t> &bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(text.data()), bytes.data(),
                                     static_cast<int>(bytes.size()));
  text.resize(static_cast<size_t>(length));
  return text;
}

std::optional<std::vector<uint8_t>> from_base64(const std::string &text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::vector<uint8_t> bytes(text.size() / 4 * 3);
  const int length =
      EVP_DecodeBlock(bytes.data(), reinterpret_cast<const unsigned char *>(text.data()),
                      static_cast<int>(text.size()));
  if (length < 0) return std::nullopt;
  size_t padding = 0;
  if (text.ends_with("=="))
    padding = 2;
  else if (text.ends_with("="))
    padding = 1;
  bytes.resize(static_cast<size_t>(length) - padding);
  // Canonical only: the text must be exactly what encoding the bytes gives back.
  if (to_base64(bytes) != text) return std::nullopt;
  return bytes;
}

std::string format_header(const Header &header) {
  return std::string(kMagicLine) + "key-id " + header.key_id + "\ned25519 " +
         to_base64(header.signature) + "\n\n";
}

std::optional<Header> read_header(std::istream &in, std::string &error) {
  std::string lines[4];
  for (auto &line : lines) {
    char buffer[kMaxLineBytes];
    in.getline(buffer, sizeof buffer);
    if (!in) {
      error = "not a Hearth site backup (no header)";
      return std::nullopt;
    }
    line = buffer;
  }
  if (lines[0] + "\n" != kMagicLine) {
    error = "not a Hearth site backup (first line '" + lines[0].substr(0, 40) + "')";
    return std::nullopt;
  }
  Header header;
  if (!lines[1].starts_with("key-id ") || lines[1].size() != 7 + 16) {
    error = "malformed key-id line";
    return std::nullopt;
  }
  header.key_id = lines[1].substr(7);
  const auto signature =
      lines[2].starts_with("ed25519 ") ? from_base64(lines[2].substr(8)) : std::nullopt;
  if (!signature || signature->size() != 64) {
    error = "malformed ed25519 signature line";
    return std::nullopt;
  }
  header.signature = *signature;
  if (!lines[3].empty()) {
    error = "no blank line after the header";
    return std::nullopt;
  }
  return header;
}

const char *to_string(EntryKind kind) {
  switch (kind) {
    case EntryKind::config:
      return "config";
    case EntryKind::state:
      return "state";
    case EntryKind::keys:
      return "keys";
  }
  return "?";
}

std::string format_entry(const EntryHeader &entry) {
  return std::string("entry ") + to_string(entry.kind) + " " + std::to_string(entry.bytes) + " " +
         entry.path + "\n";
}

PayloadReader::PayloadReader(std::istream &in, uint64_t payload_bytes)
    : in_(in), remaining_(payload_bytes) {}

bool PayloadReader::read(char *buffer, size_t size) {
  if (size > remaining_) return false;
  in_.read(buffer, static_cast<std::streamsize>(size));
  if (static_cast<size_t>(in_.gcount()) != size) return false;
  remaining_ -= size;
  sha_.update(buffer, size);
  return true;
}

std::optional<std::string> PayloadReader::line() {
  std::string text;
  char c = 0;
  while (text.size() < kMaxLineBytes) {
    if (!read(&c, 1)) return std::nullopt;
    if (c == '\n') return text;
    text += c;
  }
  return std::nullopt;
}

bool PayloadReader::read_preamble(int64_t &created_wall_ms) {
  const auto first = line();
  constexpr std::string_view kKey = "created-wall-ms ";
  if (!first || !first->starts_with(kKey)) {
    error_ = "no created-wall-ms line";
    return false;
  }
  const std::string value = first->substr(kKey.size());
  const auto [end, rc] =
      std::from_chars(value.data(), value.data() + value.size(), created_wall_ms);
  if (rc != std::errc() || end != value.data() + value.size()) {
    error_ = "malformed created-wall-ms line";
    return false;
  }
  return true;
}

std::optional<EntryHeader> PayloadReader::next() {
  const auto text = line();
  if (!text) {
    error_ = "truncated: an entry line or 'end' is missing";
    return std::nullopt;
  }
  if (*text == "end") return std::nullopt;
  // entry <kind> <bytes> <path>
  const size_t kind_start = 6, kind_end = text->find(' ', kind_start);
  const size_t size_end = kind_end == std::string::npos ? kind_end : text->find(' ', kind_end + 1);
  if (!text->starts_with("entry ") || size_end == std::string::npos) {
    error_ = "malformed entry line '" + text->substr(0, 60) + "'";
    return std::nullopt;
  }
  EntryHeader entry;
  const auto kind = kind_from(text->substr(kind_start, kind_end - kind_start));
  const char *size_begin = text->data() + kind_end + 1;
  const auto [end, rc] = std::from_chars(size_begin, text->data() + size_end, entry.bytes);
  entry.path = text->substr(size_end + 1);
  if (!kind || rc != std::errc() || end != text->data() + size_end ||
      !safe_relative_path(entry.path) || entry.bytes > remaining_) {
    error_ = "malformed entry line '" + text->substr(0, 60) + "'";
    return std::nullopt;
  }
  entry.kind = *kind;
  return entry;
}

bool PayloadReader::copy_body(const EntryHeader &entry, std::ostream *out) {
  std::vector<char> buffer(kCopyBufferBytes);
  uint64_t left = entry.bytes;
  while (left > 0) {
    const size_t chunk = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
    if (!read(buffer.data(), chunk)) {
      error_ = "truncated inside " + entry.name();
      return false;
    }
    if (out != nullptr && !out->write(buffer.data(), static_cast<std::streamsize>(chunk))) {
      error_ = "cannot write " + entry.name();
      return false;
    }
    left -= chunk;
  }
  return true;
}

bool PayloadReader::finish() {
  if (remaining_ != 0) {
    error_ = std::to_string(remaining_) + " bytes after 'end'";
    return false;
  }
  return true;
}

bool hash_stream(std::istream &in, Sha512 &sha) {
  std::vector<char> buffer(kCopyBufferBytes);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    sha.update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  return in.eof();
}

}  // namespace hearth::backup::detail
