#pragma once
// Where a login comes from, for the rule that the password-free login after a password reset is
// accepted only on the box's own access point or a link-local address, never from the LAN at
// large (architecture.md, "Persistence"; emma-functions.md, "Front panel").
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hearth::accounts {

// An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, what a dual-stack
// socket reports for an IPv4 peer) are taken as the IPv4 address they carry.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4

  // Accepts "192.168.8.20", "fe80::1", "fe80::1%wlan0" (the zone is dropped), "[fe80::1]" and
  // "::ffff:169.254.3.4"; nullopt for anything else.
  static std::optional<IpAddress> parse(std::string_view text);
  std::string to_string() const;
  // 169.254.0.0/16 (RFC 3927) or fe80::/10 (RFC 4291).
  bool is_link_local() const;
};

// "192.168.8.0/24", "fd00:8::/64".
struct IpNetwork {
  IpAddress base;
  int prefix_bits = 0;

  // nullopt for a malformed text, a prefix out of range or host bits set below the prefix.
  static std::optional<IpNetwork> parse(std::string_view text);
  bool contains(const IpAddress &address) const;
  std::string to_string() const;
};

}  // namespace hearth::accounts
