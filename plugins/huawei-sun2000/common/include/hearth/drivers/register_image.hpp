#pragma once
// Register blocks and what a poll cycle read: shared by the Modbus drivers in plugins/ (the SUN2000
// and the DTSU666). Header-only, C++17, depends on the SDK only.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <hearth/plugin.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hearth::drivers {

// `count` consecutive holding registers from `address`.
struct RegisterSpan {
  uint32_t address = 0;
  uint32_t count = 0;
  uint32_t end() const { return address + count; }
  bool operator==(const RegisterSpan &other) const {
    return address == other.address && count == other.count;
  }
};

// The reads that cover `spans` with as few requests as possible: overlapping and adjacent spans
// are merged (never across a gap: registers a device does not define answer with exception 2,
// see the simulator's README and protocols.md §1), then cut into blocks of at most
// `max_block_registers` (the link's cap for ~100 ms of bus time at its baud rate).
inline std::vector<RegisterSpan> plan_blocks(std::vector<RegisterSpan> spans,
                                             uint32_t max_block_registers) {
  const uint32_t cap = std::max<uint32_t>(1, max_block_registers);
  spans.erase(std::remove_if(spans.begin(), spans.end(),
                             [](const RegisterSpan &s) { return s.count == 0; }),
              spans.end());
  std::sort(spans.begin(), spans.end(),
            [](const RegisterSpan &a, const RegisterSpan &b) { return a.address < b.address; });
  std::vector<RegisterSpan> merged;
  for (const RegisterSpan &span : spans) {
    if (!merged.empty() && span.address <= merged.back().end()) {
      merged.back().count = std::max(merged.back().end(), span.end()) - merged.back().address;
    } else {
      merged.push_back(span);
    }
  }
  std::vector<RegisterSpan> blocks;
  for (const RegisterSpan &span : merged) {
    for (uint32_t first = span.address; first < span.end(); first += cap)
      blocks.push_back({first, std::min(cap, span.end() - first)});
  }
  return blocks;
}

// What one poll cycle read: register values with the time each answer arrived. A value is decoded
// only when all of its registers came in this cycle, so nothing old is ever published as new.
class RegisterImage {
 public:
  void store(uint32_t address, const std::vector<uint16_t> &values, int64_t received_mono_ns) {
    for (size_t i = 0; i < values.size(); ++i)
      registers_[address + static_cast<uint32_t>(i)] = {values[i], received_mono_ns};
  }
  bool has(uint32_t address, uint32_t count = 1) const {
    for (uint32_t i = 0; i < count; ++i)
      if (registers_.count(address + i) == 0) return false;
    return true;
  }
  bool empty() const { return registers_.empty(); }
  // When the oldest register of the value arrived (the value's sample time).
  int64_t sampled_mono_ns(uint32_t address, uint32_t count = 1) const {
    int64_t oldest = INT64_MAX;
    for (uint32_t i = 0; i < count; ++i) oldest = std::min(oldest, at(address + i).received_ns);
    return oldest;
  }
  uint16_t u16(uint32_t address) const { return at(address).value; }
  int16_t i16(uint32_t address) const { return static_cast<int16_t>(u16(address)); }
  // 32-bit values are big-endian, high word first (protocols.md, conventions).
  uint32_t u32(uint32_t address) const {
    return (static_cast<uint32_t>(u16(address)) << 16) | u16(address + 1);
  }
  int32_t i32(uint32_t address) const { return static_cast<int32_t>(u32(address)); }
  float f32(uint32_t address) const {
    const uint32_t bits = u32(address);
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }
  // ASCII, two characters per register (high byte first), padded with NUL (protocols.md §1).
  std::string text(uint32_t address, uint32_t count) const {
    std::string out;
    for (uint32_t i = 0; i < count; ++i) {
      const uint16_t word = u16(address + i);
      out.push_back(static_cast<char>(word >> 8));
      out.push_back(static_cast<char>(word & 0xff));
    }
    out.erase(std::find(out.begin(), out.end(), '\0'), out.end());
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }

 private:
  struct Register {
    uint16_t value;
    int64_t received_ns;
  };
  const Register &at(uint32_t address) const {
    auto found = registers_.find(address);
    if (found == registers_.end()) throw Error(HEARTH_E_INTERNAL, text_of_missing(address));
    return found->second;
  }
  static std::string text_of_missing(uint32_t address) {
    return hearth::text("register ", address, " was not read in this cycle");
  }
  std::map<uint32_t, Register> registers_;
};

// Register encoding for writes: a 32-bit value as two registers, high word first.
inline std::vector<uint16_t> u32_registers(uint32_t value) {
  return {static_cast<uint16_t>(value >> 16), static_cast<uint16_t>(value & 0xffff)};
}

}  // namespace hearth::drivers
