#pragma once
// When a lost port or connection may be reopened. A link that was healthy reconnects at once
// (a device closing an idle connection costs one frame); after that every failure doubles the
// wait, up to kMaxDelayMs, so a dead endpoint is not hammered. A transaction that succeeds makes
// the link healthy again.
#include <algorithm>
#include <cstdint>

namespace hearth::links {

class ReconnectBackoff {
 public:
  static constexpr int64_t kInitialDelayMs = 200;
  static constexpr int64_t kMaxDelayMs = 10'000;

  bool may_attempt(int64_t now_ns) const { return now_ns >= next_attempt_ns_; }
  int64_t wait_ms(int64_t now_ns) const {
    return std::max<int64_t>(0, (next_attempt_ns_ - now_ns + 999'999) / 1'000'000);
  }
  void connection_lost(int64_t now_ns) {
    if (healthy_) {
      next_attempt_ns_ = now_ns;
    } else {
      postpone(now_ns);
    }
    healthy_ = false;
  }
  void attempt_failed(int64_t now_ns) {
    healthy_ = false;
    postpone(now_ns);
  }
  void transaction_succeeded() {
    healthy_ = true;
    delay_ms_ = kInitialDelayMs;
  }

 private:
  void postpone(int64_t now_ns) {
    next_attempt_ns_ = now_ns + delay_ms_ * 1'000'000;
    delay_ms_ = std::min(delay_ms_ * 2, kMaxDelayMs);
  }

  bool healthy_ = true;
  int64_t delay_ms_ = kInitialDelayMs;
  int64_t next_attempt_ns_ = 0;
};

}  // namespace hearth::links
