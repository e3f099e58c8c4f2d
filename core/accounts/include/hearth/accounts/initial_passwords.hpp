#pragma once
// The box's initial passwords: what both accounts start with and what a 10-60 s RST press and a
// factory reset restore (emma-functions.md, "Front panel"). The reference product prints them
// on the box's label; a Hearth box keeps them in a per-box file, by default
// <state_dir>/initial-passwords, mode 0600:
//
//   installer=<password>
//   owner=<password>
//
// A board maker provisions the file at manufacture (and prints the label from it); when it is
// missing at first start, hearthd makes both passwords from the CSPRNG and writes the file, and
// the installer reads it on the board's console (`sudo cat /var/lib/hearth/initial-passwords`).
// The file is never part of a site backup: a replacement box keeps its own label.
#include <filesystem>
#include <string>

namespace hearth::accounts {

struct InitialPasswords {
  std::string installer;
  std::string owner;
};

// Reads the file; throws std::runtime_error naming the file and line for a malformed one (an
// unknown name, an empty password, a missing account).
InitialPasswords read_initial_passwords(const std::filesystem::path &file);

// read_initial_passwords(), or - when the file does not exist - fresh passwords of
// `generated_length` characters (an alphabet without look-alikes such as 0/O and 1/l), written
// to the file with mode 0600 (never over an existing file).
InitialPasswords load_or_create_initial_passwords(const std::filesystem::path &file,
                                                  size_t generated_length = 12);

}  // namespace hearth::accounts
