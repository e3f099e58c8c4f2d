#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <hearth/accounts/password_hash.hpp>
#include <iostream>

namespace hearth::accounts {
namespace {

TEST(PasswordHash, DefaultParametersAreTheOnesReadBackFromTheEncodedHash) {
  // The figure docs/accounts.md quotes: CPU time is what the box pays; wall time also shows how
  // busy the machine was.
  const auto started = std::chrono::steady_clock::now();
  const std::clock_t cpu_started = std::clock();
  const std::string encoded = hash_password("correct horse");
  const double cpu_ms = 1000.0 * double(std::clock() - cpu_started) / CLOCKS_PER_SEC;
  const auto spent = std::chrono::steady_clock::now() - started;
  std::cout << "one argon2id hash with the default parameters: " << cpu_ms << " ms CPU, "
            << std::chrono::duration_cast<std::chrono::milliseconds>(spent).count() << " ms wall\n";
  EXPECT_TRUE(encoded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << encoded;
  const auto params = params_of(encoded);
  ASSERT_TRUE(params);
  EXPECT_EQ(params->memory_kib, 19456u);
  EXPECT_EQ(params->time_cost, 2u);
  EXPECT_EQ(params->parallelism, 1u);
  EXPECT_EQ(params->salt_bytes, 16u);
  EXPECT_EQ(params->hash_bytes, 32u);
  EXPECT_EQ(*params, Argon2Params{});
}

TEST(PasswordHash, ExplicitParametersAreEncoded) {
  const Argon2Params params{.memory_kib = 256, .time_cost = 3, .parallelism = 2};
  const auto read_back = params_of(hash_password("pw", params));
  ASSERT_TRUE(read_back);
  EXPECT_EQ(*read_back, params);
}

TEST(PasswordHash, VerifiesTheRightPasswordOnly) {
  const Argon2Params fast{.memory_kib = 64, .time_cost = 1};
  const std::string encoded = hash_password("s3cret-pass", fast);
  EXPECT_TRUE(verify_password(encoded, "s3cret-pass"));
  EXPECT_FALSE(verify_password(encoded, "s3cret-pasS"));
  EXPECT_FALSE(verify_password(encoded, ""));
}

TEST(PasswordHash, EachHashHasItsOwnSalt) {
  const Argon2Params fast{.memory_kib = 64, .time_cost = 1};
  EXPECT_NE(hash_password("same", fast), hash_password("same", fast));
}

TEST(PasswordHash, MalformedHashesAreMismatchesNotErrors) {
  EXPECT_FALSE(verify_password("", "x"));
  EXPECT_FALSE(verify_password("$argon2id$v=19$m=64,t=1,p=1$$", "x"));
  EXPECT_FALSE(params_of("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"));
  EXPECT_FALSE(params_of("$argon2id$v=19$m=64,t=1,p=1$onlysalt"));
  EXPECT_FALSE(params_of("plain text"));
}

}  // namespace
}  // namespace hearth::accounts
