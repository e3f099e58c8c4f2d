#include "hearth/signing/plugin_signature.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "openssl_support.hpp"

namespace hearth::signing {

namespace {

constexpr std::string_view kFormatLine = "hearth-plugin-signature 1";
constexpr std::string_view kKeyIdField = "key-id ";
constexpr std::string_view kSignatureField = "ed25519 ";
constexpr size_t kEd25519SignatureBytes = 64;
constexpr std::streamsize kLongestSignatureFile = 4096;  // the real one is ~130 bytes

// What the signature covers (format described in plugin_signature.hpp).
std::vector<uint8_t> signed_message(const detail::Sha512 &file_digest) {
  std::vector<uint8_t> message(kFormatLine.begin(), kFormatLine.end());
  message.push_back('\n');
  message.insert(message.end(), file_digest.begin(), file_digest.end());
  return message;
}

struct SignatureFile {
  std::string key_id;
  std::vector<uint8_t> signature;
};

// Splits into lines, tolerating one trailing newline and CRLF line ends.
std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.ends_with('\r')) line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

bool is_key_id(std::string_view text) {
  return text.size() == 16 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Parses the three lines; on failure returns nullopt and says which line is wrong in `error`.
std::optional<SignatureFile> parse_signature_file(const std::string &text, std::string &error) {
  const auto lines = lines_of(text);
  if (lines.size() != 3) {
    error = "expected 3 lines, found " + std::to_string(lines.size());
    return std::nullopt;
  }
  if (lines[0] != kFormatLine) {
    error = "line 1: expected '" + std::string(kFormatLine) + "'";
    return std::nullopt;
  }
  if (!lines[1].starts_with(kKeyIdField) || !is_key_id(lines[1].substr(kKeyIdField.size()))) {
    error = "line 2: expected 'key-id' and 16 lowercase hex digits";
    return std::nullopt;
  }
  std::optional<std::vector<uint8_t>> signature;
  if (lines[2].starts_with(kSignatureField)) {
    signature = detail::from_base64(lines[2].substr(kSignatureField.size()));
  }
  if (!signature || signature->size() != kEd25519SignatureBytes) {
    error = "line 3: expected 'ed25519' and the base64 of a 64-byte signature";
    return std::nullopt;
  }
  return SignatureFile{lines[1].substr(kKeyIdField.size()), std::move(*signature)};
}

SignatureCheck outcome(SignatureStatus status, std::string key_id, std::string message) {
  return SignatureCheck{status, std::move(key_id), std::move(message)};
}

}  // namespace

const char *to_string(SignatureStatus status) {
  switch (status) {
    case SignatureStatus::ok:
      return "ok";
    case SignatureStatus::unsigned_file:
      return "unsigned";
    case SignatureStatus::bad_signature:
      return "bad signature";
    case SignatureStatus::unknown_key:
      return "unknown key";
    case SignatureStatus::unreadable:
      return "unreadable";
  }
  return "?";
}

std::filesystem::path signature_path_for(const std::filesystem::path &plugin) {
  std::filesystem::path sig = plugin;
  sig += ".sig";
  return sig;
}

namespace {

// Checks the plugin whose bytes `fd` reads against its .sig file (fd < 0: it could not be
// opened, `open_error` says why).
SignatureCheck check_open_plugin(const std::filesystem::path &plugin, int fd,
                                 const std::string &open_error, const TrustStore &trusted) {
  const std::string name = plugin.string();
  if (fd < 0)
    return outcome(SignatureStatus::unreadable, {}, "cannot read " + name + ": " + open_error);
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    return outcome(SignatureStatus::unreadable, {}, "cannot read " + name + ": not a regular file");
  }

  const auto sig_path = signature_path_for(plugin);
  std::error_code error;
  if (!std::filesystem::exists(sig_path, error)) {
    return outcome(SignatureStatus::unsigned_file, {},
                   name + " is not signed (no " + sig_path.filename().string() + " next to it)");
  }
  std::ifstream sig_in(sig_path, std::ios::binary);
  if (!sig_in || std::filesystem::is_directory(sig_path, error)) {
    return outcome(SignatureStatus::unreadable, {},
                   "cannot read " + sig_path.string() + ": " + std::strerror(errno));
  }
  std::string sig_text(size_t(kLongestSignatureFile) + 1, '\0');
  sig_in.read(sig_text.data(), kLongestSignatureFile + 1);
  sig_text.resize(size_t(sig_in.gcount()));
  std::string parse_error = "longer than " + std::to_string(kLongestSignatureFile) + " bytes";
  const auto parsed = sig_text.size() > size_t(kLongestSignatureFile)
                          ? std::nullopt
                          : parse_signature_file(sig_text, parse_error);
  if (!parsed) {
    return outcome(SignatureStatus::bad_signature, {},
                   sig_path.string() + " is malformed: " + parse_error);
  }

  const TrustedKey *key = trusted.find(parsed->key_id);
  if (key == nullptr) {
    return outcome(SignatureStatus::unknown_key, parsed->key_id,
                   name + " is signed by key " + parsed->key_id +
                       ", which is not among the trusted keys (" + trusted.origin() + ")");
  }

  std::string read_error;
  const auto digest = detail::sha512_of_fd(fd, read_error);
  if (!digest) {
    return outcome(SignatureStatus::unreadable, parsed->key_id,
                   "cannot read " + name + ": " + read_error);
  }
  if (!key->key.verify(signed_message(*digest), parsed->signature)) {
    return outcome(SignatureStatus::bad_signature, parsed->key_id,
                   name + ": the signature by key " + parsed->key_id +
                       " does not match the file (changed after signing?)");
  }
  const std::string source = key->source.empty() ? "" : " (" + key->source.string() + ")";
  return outcome(SignatureStatus::ok, parsed->key_id,
                 name + " is signed by trusted key " + parsed->key_id + source);
}

int open_for_reading(const std::filesystem::path &file, std::string &error) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) error = std::strerror(errno);
  return fd;
}

}  // namespace

SignatureCheck verify_plugin(const std::filesystem::path &plugin, const TrustStore &trusted) {
  return open_verified_plugin(plugin, trusted).check();
}

VerifiedPlugin open_verified_plugin(const std::filesystem::path &plugin,
                                    const TrustStore &trusted) {
  std::string open_error;
  const int fd = open_for_reading(plugin, open_error);
  return VerifiedPlugin(fd, check_open_plugin(plugin, fd, open_error, trusted));
}

VerifiedPlugin::VerifiedPlugin(VerifiedPlugin &&other) noexcept
    : fd_(std::exchange(other.fd_, -1)), check_(std::move(other.check_)) {}

VerifiedPlugin &VerifiedPlugin::operator=(VerifiedPlugin &&other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    check_ = std::move(other.check_);
  }
  return *this;
}

VerifiedPlugin::~VerifiedPlugin() {
  if (fd_ >= 0) ::close(fd_);
}

std::filesystem::path VerifiedPlugin::load_path() const {
  if (fd_ < 0) return {};
  return "/proc/self/fd/" + std::to_string(fd_);
}

std::filesystem::path sign_plugin(const std::filesystem::path &plugin, const PrivateKey &key) {
  std::string read_error;
  const int fd = open_for_reading(plugin, read_error);
  const auto digest = fd < 0 ? std::nullopt : detail::sha512_of_fd(fd, read_error);
  if (fd >= 0) ::close(fd);
  if (!digest) throw SigningError("cannot read " + plugin.string() + ": " + read_error);
  const auto signature = key.sign(signed_message(*digest));

  const auto sig_path = signature_path_for(plugin);
  auto partial = sig_path;
  partial += ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << kFormatLine << "\n"
        << kKeyIdField << key.key_id() << "\n"
        << kSignatureField << detail::to_base64(signature) << "\n";
    if (!out.flush()) {
      throw SigningError("cannot write " + partial.string() + ": " + std::strerror(errno));
    }
  }
  // Rename over the old one: a reader sees the old signature or the new, never half of one.
  std::error_code error;
  std::filesystem::rename(partial, sig_path, error);
  if (error) {
    std::filesystem::remove(partial, error);
    throw SigningError("cannot write " + sig_path.string() + ": " + error.message());
  }
  return sig_path;
}

}  // namespace hearth::signing
