#pragma once
// The blob of one history_minute row: the aggregates of one device's points in one minute.
// Packing a device's points into one row keeps the table time-ordered and small: each flush
// appends a few pages instead of touching one page per point (bytes written per day, issue 7).
//
// A record per point: varint name id, a flags byte, varint count, then min, mean, max - as
// float32 when all three fit (exactly, or for a fractional value within 1e-7 relative: 7
// significant digits), else as float64 (flag bit 0) - then, for a counter (flag bit 1), first
// and last as float64, exact. Little-endian.
#include <cstdint>
#include <hearth/store/history_types.hpp>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

namespace hearth::store {

struct CodedStats {
  int64_t name_id = 0;
  MinuteStats stats;
};

std::vector<uint8_t> encode_minute(std::span<const CodedStats> records);
// Throws std::runtime_error on a truncated or malformed blob.
std::vector<CodedStats> decode_minute(std::span<const uint8_t> blob);
// The record of one name id, or nullopt; throws like decode_minute.
std::optional<MinuteStats> find_in_minute(std::span<const uint8_t> blob, int64_t name_id);

// Two aggregates of the same point and minute (a minute split by a restart) as one.
MinuteStats combine(const MinuteStats &earlier, const MinuteStats &later);
// Two blobs of the same device and minute as one; records of the same name are combined.
std::vector<uint8_t> merge_minutes(std::span<const uint8_t> earlier,
                                   std::span<const uint8_t> later);

}  // namespace hearth::store
