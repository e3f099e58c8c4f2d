#include <gtest/gtest.h>

#include <hearth/accounts/peer_address.hpp>

namespace hearth::accounts {
namespace {

bool link_local(std::string_view text) {
  const auto address = IpAddress::parse(text);
  EXPECT_TRUE(address) << text;
  return address && address->is_link_local();
}

TEST(PeerAddress, LinkLocalIsFe80Slash10And169Dot254Slash16) {
  EXPECT_TRUE(link_local("169.254.0.1"));
  EXPECT_TRUE(link_local("169.254.255.254"));
  EXPECT_TRUE(link_local("fe80::1"));
  EXPECT_TRUE(link_local("fe80::1%wlan0"));
  EXPECT_TRUE(link_local("[febf::abcd]"));
  EXPECT_TRUE(link_local("::ffff:169.254.7.7"));  // a dual-stack socket's IPv4 peer
  EXPECT_FALSE(link_local("169.253.0.1"));
  EXPECT_FALSE(link_local("192.168.1.10"));
  EXPECT_FALSE(link_local("fec0::1"));
  EXPECT_FALSE(link_local("2001:db8::1"));
  EXPECT_FALSE(link_local("::1"));
}

TEST(PeerAddress, GarbageIsNoAddress) {
  EXPECT_FALSE(IpAddress::parse(""));
  EXPECT_FALSE(IpAddress::parse("box.local"));
  EXPECT_FALSE(IpAddress::parse("192.168.1.300"));
  EXPECT_FALSE(IpAddress::parse("192.168.1.1:80"));
}

TEST(PeerAddress, NetworksContainTheirAddressesOnly) {
  const auto ap = IpNetwork::parse("192.168.8.0/24");
  ASSERT_TRUE(ap);
  EXPECT_TRUE(ap->contains(*IpAddress::parse("192.168.8.1")));
  EXPECT_TRUE(ap->contains(*IpAddress::parse("::ffff:192.168.8.200")));
  EXPECT_FALSE(ap->contains(*IpAddress::parse("192.168.9.1")));
  EXPECT_FALSE(ap->contains(*IpAddress::parse("fe80::1")));
  const auto v6 = IpNetwork::parse("fd00:8::/64");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*IpAddress::parse("fd00:8::42")));
  EXPECT_FALSE(v6->contains(*IpAddress::parse("fd00:9::42")));
  EXPECT_EQ(ap->to_string(), "192.168.8.0/24");
}

TEST(PeerAddress, MalformedNetworksAreRefused) {
  EXPECT_FALSE(IpNetwork::parse("192.168.8.0"));
  EXPECT_FALSE(IpNetwork::parse("192.168.8.0/33"));
  EXPECT_FALSE(IpNetwork::parse("192.168.8.1/24"));  // host bits set: a typo, not a guess
  EXPECT_FALSE(IpNetwork::parse("192.168.8.0/x"));
  EXPECT_TRUE(IpNetwork::parse("0.0.0.0/0"));
}

}  // namespace
}  // namespace hearth::accounts
