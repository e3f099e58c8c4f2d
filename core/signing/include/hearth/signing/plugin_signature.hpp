#pragma once
// Detached Ed25519 signatures of plugin files (issue 8, "Plugin integrity").
//
// A plugin `foo.so` is signed by a file `foo.so.sig` next to it, three lines of text:
//
//   hearth-plugin-signature 1
//   key-id 3f2a9c0d1e4b5a67
//   ed25519 <base64 of the 64-byte signature>
//
// The signed message is the first line with its newline ("hearth-plugin-signature 1\n")
// followed by the 64 bytes of SHA-512 over the whole plugin file. Hashing first lets a large
// file be read in pieces (Ed25519 itself needs the message in one piece); the prefix keeps a
// signature made for anything else from passing as a plugin signature. The file's name is not
// signed: renaming a plugin does not change its code.
//
// verify_plugin() and open_verified_plugin() never throw: every outcome is a SignatureCheck whose
// message says what was found, in a form fit for the log line of a refused plugin.
#include <filesystem>
#include <hearth/signing/keys.hpp>
#include <hearth/signing/trust_store.hpp>
#include <string>

namespace hearth::signing {

enum class SignatureStatus {
  ok,             // signed by a trusted key and the file is unchanged
  unsigned_file,  // no <plugin>.sig next to the plugin
  bad_signature,  // the signature does not match the file, or the .sig file is malformed
  unknown_key,    // signed by a key that is not in the trust store
  unreadable,     // the plugin or its .sig file cannot be read
};

struct SignatureCheck {
  SignatureStatus status = SignatureStatus::unreadable;
  std::string key_id;   // the key named by the .sig file, when one was read
  std::string message;  // one line: what was found, naming the file and the key
  bool ok() const { return status == SignatureStatus::ok; }
};

// "ok", "unsigned", "bad signature", "unknown key", "unreadable".
const char *to_string(SignatureStatus status);

// <plugin>.sig: foo.so -> foo.so.sig.
std::filesystem::path signature_path_for(const std::filesystem::path &plugin);

SignatureCheck verify_plugin(const std::filesystem::path &plugin, const TrustStore &trusted);

// A plugin opened once, checked through that descriptor, and kept open. Loading load_path()
// ("/proc/self/fd/N") with dlopen() loads exactly the bytes that were checked, even if the file
// is replaced between the check and the load. Move-only; closes the descriptor when it dies.
class VerifiedPlugin {
 public:
  VerifiedPlugin(VerifiedPlugin &&other) noexcept;
  VerifiedPlugin &operator=(VerifiedPlugin &&other) noexcept;
  VerifiedPlugin(const VerifiedPlugin &) = delete;
  VerifiedPlugin &operator=(const VerifiedPlugin &) = delete;
  ~VerifiedPlugin();

  const SignatureCheck &check() const { return check_; }
  bool ok() const { return check_.ok(); }
  // What to dlopen(); empty when the file could not be opened.
  std::filesystem::path load_path() const;

 private:
  friend VerifiedPlugin open_verified_plugin(const std::filesystem::path &, const TrustStore &);
  VerifiedPlugin(int fd, SignatureCheck check) : fd_(fd), check_(std::move(check)) {}
  int fd_ = -1;
  SignatureCheck check_;
};

VerifiedPlugin open_verified_plugin(const std::filesystem::path &plugin, const TrustStore &trusted);

// Signs `plugin` and writes (or replaces) its .sig file; returns the .sig file's path.
// Throws SigningError when the plugin cannot be read or the .sig file cannot be written.
std::filesystem::path sign_plugin(const std::filesystem::path &plugin, const PrivateKey &key);

}  // namespace hearth::signing
