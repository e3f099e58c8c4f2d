#pragma once
// Reading and writing register blocks through the host's link (plugin.h, modbus_submit), and the
// health of a device that is polled: offline after repeated failures, probed with backoff.
#include <chrono>
#include <functional>
#include <hearth/drivers/register_image.hpp>
#include <hearth/plugin.hpp>
#include <memory>
#include <string>
#include <vector>

namespace hearth::drivers {

// Reads span sets into a RegisterImage. The blocks of one read go out one after another (each
// when the previous answered), so one callback never queues a burst and other devices' requests
// interleave on a shared bus; the callback runs once, with the image or the first failure. The
// block cap starts at the driver's parameter and halves whenever the host refuses a block as too
// long for the link (the ABI does not tell a plugin its link's baud rate).
class BlockReader {
 public:
  using Done = std::function<void(const RegisterImage &image, const std::string &failure)>;

  BlockReader(Host &host, int32_t unit, uint32_t max_block_registers)
      : host_(host), unit_(unit), max_block_(max_block_registers) {}

  uint32_t max_block_registers() const { return max_block_; }

  // deadline_ms: a block not started within this time of the read's start is dropped by the link
  // (0: none).
  void read(const std::vector<RegisterSpan> &spans, int32_t priority, uint32_t deadline_ms,
            Done done) {
    auto job = std::make_shared<Job>();
    job->priority = priority;
    job->deadline_mono_ns =
        deadline_ms > 0 ? host_.now_mono_ns() + int64_t{deadline_ms} * 1'000'000 : 0;
    job->blocks = plan_blocks(spans, max_block_);
    job->done = std::move(done);
    next(job);
  }

 private:
  struct Job {
    std::vector<RegisterSpan> blocks;
    size_t index = 0;
    int32_t priority = HEARTH_PRIO_POLL;
    int64_t deadline_mono_ns = 0;
    RegisterImage image;
    Done done;
  };

  void next(const std::shared_ptr<Job> &job) {
    while (job->index < job->blocks.size()) {
      const RegisterSpan block = job->blocks[job->index];
      auto request = modbus_read(HEARTH_MODBUS_READ_HOLDING_REGISTERS, unit_, block.address,
                                 block.count, job->priority);
      request.deadline_mono_ns = job->deadline_mono_ns;
      try {
        host_.modbus_submit(request, [this, job, block](const ModbusResult &answer) {
          answered(job, block, answer);
        });
        return;
      } catch (const Error &refused) {
        if (refused.status() != HEARTH_E_INVALID || block.count == 1)
          return job->done(job->image, text("read of ", block.count, " registers at ",
                                            block.address, " refused: ", refused.what()));
        // Too long for this link: replan what is still to read with a smaller cap.
        max_block_ = std::max<uint32_t>(1, max_block_ / 2);
        host_.warn("unit ", unit_, ": the link refused a read of ", block.count,
                   " registers; reading at most ", max_block_,
                   " per request from now on (set max_block_registers)");
        std::vector<RegisterSpan> rest(job->blocks.begin() + static_cast<long>(job->index),
                                       job->blocks.end());
        job->blocks = plan_blocks(rest, max_block_);
        job->index = 0;
      }
    }
    job->done(job->image, {});
  }

  void answered(const std::shared_ptr<Job> &job, RegisterSpan block, const ModbusResult &answer) {
    const std::string where = text("read of ", block.count, " registers at ", block.address);
    if (!answer.ok()) return job->done(job->image, where + ": " + answer.describe());
    if (answer.count() != block.count)
      return job->done(job->image,
                       text(where, ": malformed answer with ", answer.count(), " registers"));
    job->image.store(block.address, answer.copy(), answer.received_mono_ns());
    ++job->index;
    next(job);
  }

  Host &host_;
  const int32_t unit_;
  uint32_t max_block_;
};

// Writes that must happen in order (a forcible charge: power, mode, duration, then the command;
// protocols.md §2): each is submitted when the previous one succeeded.
class WriteChain {
 public:
  using Done = std::function<void(int32_t status, const std::string &message)>;

  static void run(Host &host, std::vector<hearth_modbus_request> writes, Done done) {
    auto chain = std::make_shared<State>(State{std::move(writes), 0, std::move(done)});
    next(host, chain);
  }

 private:
  struct State {
    std::vector<hearth_modbus_request> writes;
    size_t index;
    Done done;
  };
  static void next(Host &host, const std::shared_ptr<State> &chain) {
    if (chain->index == chain->writes.size()) return chain->done(HEARTH_OK, {});
    const hearth_modbus_request &write = chain->writes[chain->index];
    try {
      host.modbus_submit(write, [&host, chain](const ModbusResult &answer) {
        const hearth_modbus_request &sent = chain->writes[chain->index];
        if (!answer.ok())
          return chain->done(answer.status(), text("write of ", sent.count, " registers at ",
                                                   sent.address, ": ", answer.describe()));
        ++chain->index;
        next(host, chain);
      });
    } catch (const Error &refused) {
      chain->done(refused.status(), text("write at ", write.address, " refused: ", refused.what()));
    }
  }
};

// Online/offline of a polled device: offline after `offline_after` failed reads in a row (one
// lost answer is not an outage), probed again after a delay that doubles up to `retry_max`.
class LinkHealth {
 public:
  LinkHealth(int offline_after, std::chrono::milliseconds retry_min,
             std::chrono::milliseconds retry_max)
      : offline_after_(offline_after), retry_min_(retry_min), retry_max_(retry_max) {}

  bool online() const { return online_; }
  int failures_in_a_row() const { return failures_; }

  // A good answer. True when this brings the device back online.
  bool succeeded() {
    failures_ = 0;
    backoff_ = retry_min_;
    if (online_) return false;
    online_ = true;
    return true;
  }
  // A failed read. True when this takes the device offline.
  bool failed() {
    ++failures_;
    if (!online_ || failures_ < offline_after_) return false;
    online_ = false;
    return true;
  }
  // The delay before the next probe of an offline device; doubles each time.
  std::chrono::milliseconds next_retry() {
    const auto delay = backoff_;
    backoff_ = std::min(retry_max_, backoff_ * 2);
    return delay;
  }

 private:
  const int offline_after_;
  const std::chrono::milliseconds retry_min_;
  const std::chrono::milliseconds retry_max_;
  std::chrono::milliseconds backoff_{retry_min_};
  bool online_ = false;
  int failures_ = 0;
};

// How a raw register value is turned into a point: the register type, a factor (1/gain from
// protocols.md, times -1 where the device's sign is the opposite of Hearth's).
enum class RegisterType { kU16, kI16, kU32, kI32, kF32 };

inline uint32_t register_count(RegisterType type) {
  return type == RegisterType::kU16 || type == RegisterType::kI16 ? 1 : 2;
}

// The raw value, and whether the device marks it "not available" (0x7FFF, 0x7FFFFFFF, 0xFFFF,
// 0xFFFFFFFF, NaN; protocols.md §1 encoding).
struct RawValue {
  double value;
  bool available;
};

inline RawValue raw_value(const RegisterImage &image, uint32_t address, RegisterType type) {
  switch (type) {
    case RegisterType::kU16: {
      const uint16_t v = image.u16(address);
      return {static_cast<double>(v), v != 0xFFFF};
    }
    case RegisterType::kI16: {
      const int16_t v = image.i16(address);
      return {static_cast<double>(v), v != INT16_MAX};
    }
    case RegisterType::kU32: {
      const uint32_t v = image.u32(address);
      return {static_cast<double>(v), v != UINT32_MAX};
    }
    case RegisterType::kI32: {
      const int32_t v = image.i32(address);
      return {static_cast<double>(v), v != INT32_MAX};
    }
    case RegisterType::kF32: {
      const float v = image.f32(address);
      return {static_cast<double>(v), v == v};
    }
  }
  return {0.0, false};
}

}  // namespace hearth::drivers
