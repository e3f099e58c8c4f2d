#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <hearth/accounts/peer_address.hpp>

namespace hearth::accounts {

namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool prefix_matches(const uint8_t *a, const uint8_t *b, int bits) {
  for (int bit = 0; bit < bits; ++bit) {
    const int byte = bit / 8;
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((a[byte] & mask) != (b[byte] & mask)) return false;
  }
  return true;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (const auto zone = text.find('%'); zone != std::string_view::npos) text = text.substr(0, zone);
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string terminated(text);
  IpAddress address;
  if (inet_pton(AF_INET, terminated.c_str(), address.bytes.data()) == 1) return address;
  if (inet_pton(AF_INET6, terminated.c_str(), address.bytes.data()) != 1) return std::nullopt;
  if (std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), address.bytes.begin())) {
    std::array<uint8_t, 16> v4{};
    std::copy_n(address.bytes.begin() + 12, 4, v4.begin());
    address.bytes = v4;
    return address;
  }
  address.v6 = true;
  return address;
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
  return text;
}

bool IpAddress::is_link_local() const {
  if (v6) return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
  return bytes[0] == 169 && bytes[1] == 254;
}

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto base = IpAddress::parse(text.substr(0, slash));
  if (!base) return std::nullopt;
  const std::string_view bits_text = text.substr(slash + 1);
  int bits = -1;
  const auto [end, error] =
      std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
  const int max_bits = base->v6 ? 128 : 32;
  if (error != std::errc() || end != bits_text.data() + bits_text.size() || bits < 0 ||
      bits > max_bits) {
    return std::nullopt;
  }
  IpNetwork network{*base, bits};
  // Host bits below the prefix mean a typo ("192.168.8.1/24" for "192.168.8.0/24"): refuse it
  // rather than guess.
  for (int bit = bits; bit < max_bits; ++bit) {
    if (base->bytes[bit / 8] & (0x80 >> (bit % 8))) return std::nullopt;
  }
  return network;
}

bool IpNetwork::contains(const IpAddress &address) const {
  if (address.v6 != base.v6) return false;
  return prefix_matches(address.bytes.data(), base.bytes.data(), prefix_bits);
}

std::string IpNetwork::to_string() const {
  return base.to_string() + "/" + std::to_string(prefix_bits);
}

}  // namespace hearth::accounts
