#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <hearth/accounts/initial_passwords.hpp>
#include <stdexcept>

#include "secrets.hpp"

namespace hearth::accounts {

namespace {

// No 0/O, 1/l/I: the installer types these from a label or a console.
constexpr std::string_view kAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

std::string generate_password(size_t length) {
  std::string password;
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 57).
  const size_t limit = 256 - 256 % kAlphabet.size();
  while (password.size() < length) {
    for (const unsigned char byte : detail::random_bytes(length)) {
      if (byte < limit && password.size() < length) password += kAlphabet[byte % kAlphabet.size()];
    }
  }
  return password;
}

[[noreturn]] void fail(const std::filesystem::path &file, const std::string &what) {
  throw std::runtime_error(file.string() + ": " + what);
}

void write_new_private_file(const std::filesystem::path &file, const std::string &text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) fail(file, std::string("cannot create: ") + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced) fail(file, std::string("cannot write: ") + std::strerror(errno));
}

}  // namespace

InitialPasswords read_initial_passwords(const std::filesystem::path &file) {
  std::ifstream in(file);
  if (!in) fail(file, std::string("cannot read: ") + std::strerror(errno));
  InitialPasswords passwords;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line.front() == '#') continue;
    const auto equals = line.find('=');
    const std::string name = line.substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : line.substr(equals + 1);
    std::string *target = name == "installer" ? &passwords.installer
                          : name == "owner"   ? &passwords.owner
                                              : nullptr;
    const std::string where = "line " + std::to_string(number) + ": ";
    if (target == nullptr) fail(file, where + "expected installer=... or owner=...");
    if (value.empty()) fail(file, where + "empty password for " + name);
    *target = value;
  }
  if (passwords.installer.empty()) fail(file, "no installer= line");
  if (passwords.owner.empty()) fail(file, "no owner= line");
  return passwords;
}

InitialPasswords load_or_create_initial_passwords(const std::filesystem::path &file,
                                                  size_t generated_length) {
  if (std::filesystem::exists(file)) return read_initial_passwords(file);
  InitialPasswords passwords{generate_password(generated_length),
                             generate_password(generated_length)};
  write_new_private_file(file,
                         "installer=" + passwords.installer + "\nowner=" + passwords.owner + "\n");
  return passwords;
}

}  // namespace hearth::accounts
