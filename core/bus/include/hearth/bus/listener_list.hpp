#pragma once
// Listeners that may add or remove listeners - themselves included - while being notified: a
// listener removed during a notification is not called after its removal, one added during a
// notification is first called on the next one. Core thread only.
#include <cstdint>
#include <deque>
#include <functional>
#include <utility>

namespace hearth::bus {

using ListenerId = uint64_t;

template <typename... Args>
class ListenerList {
 public:
  using Listener = std::function<void(Args...)>;

  ListenerId add(Listener listener) {
    entries_.push_back({++last_id_, std::move(listener), true});
    return last_id_;
  }

  bool remove(ListenerId id) {
    for (auto &entry : entries_) {
      if (entry.id != id || !entry.active) continue;
      entry.active = false;
      compact();
      return true;
    }
    return false;
  }

  void notify(Args... args) {
    ++notifying_depth_;
    // A deque keeps references stable when add() appends during the loop; the bound is taken
    // first so that new listeners wait for the next notification.
    const size_t count = entries_.size();
    for (size_t i = 0; i < count; ++i) {
      if (entries_[i].active) entries_[i].listener(args...);
    }
    --notifying_depth_;
    compact();
  }

  size_t size() const {
    size_t active = 0;
    for (const auto &entry : entries_) active += entry.active ? 1 : 0;
    return active;
  }

 private:
  struct Entry {
    ListenerId id;
    Listener listener;
    bool active;
  };

  // Removed entries are erased only when no notification is running over them.
  void compact() {
    if (notifying_depth_ > 0) return;
    std::erase_if(entries_, [](const Entry &entry) { return !entry.active; });
  }

  std::deque<Entry> entries_;
  ListenerId last_id_ = 0;
  int notifying_depth_ = 0;
};

}  // namespace hearth::bus
