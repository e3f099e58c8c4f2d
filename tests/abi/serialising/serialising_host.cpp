// The serialising host: see serialising_host.hpp.
#include "serialising_host.hpp"

#include <array>
#include <cstring>
#include <deque>
#include <functional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace hearth::abi_test {

// A plugin's (callback, user) pair, replaced by our own trampoline towards the inner host.
struct CallbackRef {
  hearth_modbus_done_fn modbus_done = nullptr;
  hearth_ct_fn ct = nullptr;
  void *user = nullptr;
};

namespace {

SerialisingHost *g_self = nullptr;

// Bytes on the wire. Only values cross: a pointer argument is replaced by what it points to.
class Wire {
 public:
  void put_raw(const void *data, size_t size) {
    if (size == 0) return;
    const auto *bytes = static_cast<const uint8_t *>(data);
    bytes_.insert(bytes_.end(), bytes, bytes + size);
  }
  template <class T>
  void put(const T &value) {
    static_assert(std::is_trivially_copyable_v<T>);
    put_raw(&value, sizeof value);
  }
  void put_text(const char *text) {
    put<uint8_t>(text != nullptr);
    if (text == nullptr) return;
    const auto length = static_cast<uint32_t>(std::strlen(text));
    put(length);
    put_raw(text, length);
  }
  void put_block(const void *data, uint32_t size) {
    put<uint8_t>(data != nullptr);
    put(size);
    if (data != nullptr) put_raw(data, size);
  }

  template <class T>
  T take() {
    T value;
    take_raw(&value, sizeof value);
    return value;
  }
  void take_raw(void *out, size_t size) {
    if (size == 0) return;
    if (read_ + size > bytes_.size()) throw std::logic_error("serialising host: short message");
    std::memcpy(out, bytes_.data() + read_, size);
    read_ += size;
  }

 private:
  std::vector<uint8_t> bytes_;
  size_t read_ = 0;
};

// Fresh buffers for one call's deserialised arguments; poisoned and freed when the call is over,
// so the receiving side cannot have kept them either.
class Arena {
 public:
  ~Arena() {
    for (auto &[buffer, size] : buffers_)
      std::memset(buffer.get(), SerialisingHost::kPoisonByte, size);
  }
  void *fresh(size_t size) {
    buffers_.emplace_back(std::make_unique<uint8_t[]>(size + 1), size + 1);
    return buffers_.back().first.get();
  }
  const char *take_text(Wire &wire) {
    if (!wire.take<uint8_t>()) return nullptr;
    const auto length = wire.take<uint32_t>();
    auto *text = static_cast<char *>(fresh(length));
    wire.take_raw(text, length);
    text[length] = '\0';
    return text;
  }
  void *take_block(Wire &wire) {
    const bool present = wire.take<uint8_t>();
    const auto size = wire.take<uint32_t>();
    if (!present) return nullptr;
    void *block = fresh(size);
    wire.take_raw(block, size);
    return block;
  }
  template <class T>
  T *take_struct(Wire &wire) {
    return static_cast<T *>(take_block(wire));
  }

 private:
  std::deque<std::pair<std::unique_ptr<uint8_t[]>, size_t>> buffers_;
};

// How one argument type crosses. Handles (device, callbacks, user pointers) and numbers go as
// they are; text and structs go by value; out-pointers get a fresh slot copied back afterwards.
template <class T, class = void>
struct Arg {
  static_assert(std::is_arithmetic_v<T> || std::is_pointer_v<T>, "no rule for this argument");
  static void put(Wire &wire, T value) { wire.put(value); }
  static T take(Wire &wire, Arena &, std::vector<std::function<void()>> &) {
    return wire.take<T>();
  }
};
template <>
struct Arg<const char *> {
  static void put(Wire &wire, const char *text) { wire.put_text(text); }
  static const char *take(Wire &wire, Arena &arena, std::vector<std::function<void()>> &) {
    return arena.take_text(wire);
  }
};
template <class S>
struct Arg<const S *, std::enable_if_t<std::is_class_v<S>>> {
  static void put(Wire &wire, const S *s) { wire.put_block(s, s ? sizeof(S) : 0); }
  static const S *take(Wire &wire, Arena &arena, std::vector<std::function<void()>> &) {
    return arena.take_struct<const S>(wire);
  }
};
template <class N>
struct Arg<N *, std::enable_if_t<std::is_arithmetic_v<N>>> {
  // An out-parameter: the callee writes a fresh slot, whose bytes travel back to the caller's.
  static void put(Wire &wire, N *out) { wire.put(out); }
  static N *take(Wire &wire, Arena &arena, std::vector<std::function<void()>> &copy_back) {
    N *caller = wire.take<N *>();
    if (caller == nullptr) return nullptr;
    auto *slot = static_cast<N *>(arena.fresh(sizeof(N)));
    copy_back.push_back([slot, caller] {
      Wire back;
      back.put(*slot);
      *caller = back.take<N>();
    });
    return slot;
  }
};

}  // namespace

struct SerialisingHost::Impl {
  // A plugin -> host call whose arguments all follow the generic Arg rules.
  template <auto Member>
  struct Forward;
  template <class R, class... A, R (*hearth_host_api::*Member)(A...)>
  struct Forward<Member> {
    static R call(A... args) {
      g_self->host_calls_++;
      Wire wire;
      (Arg<A>::put(wire, args), ...);
      Arena arena;
      std::vector<std::function<void()>> copy_back;
      std::tuple<A...> fresh{Arg<A>::take(wire, arena, copy_back)...};
      if constexpr (std::is_void_v<R>) {
        std::apply(g_self->inner_->*Member, fresh);
        for (auto &back : copy_back) back();
      } else {
        R result = std::apply(g_self->inner_->*Member, fresh);
        for (auto &back : copy_back) back();
        return result;
      }
    }
  };

  /* -- plugin -> host calls that need more than the generic rules -------------------------- */

  // Text out: the callee writes a fresh buffer of the caller's size; the bytes go back.
  static int32_t copy_text_back(int32_t n, const char *fresh, char *buf, uint32_t size) {
    if (n >= 0 && buf != nullptr && static_cast<uint32_t>(n) < size) {
      Wire back;
      back.put_raw(fresh, static_cast<size_t>(n) + 1);
      back.take_raw(buf, static_cast<size_t>(n) + 1);
    }
    return n;
  }
  static int32_t device_id(hearth_device *dev, char *buf, uint32_t size) {
    g_self->host_calls_++;
    Arena arena;
    auto *fresh = static_cast<char *>(arena.fresh(size));
    return copy_text_back(g_self->inner_->device_id(dev, fresh, size), fresh, buf, size);
  }
  static int32_t param_string(hearth_device *dev, const char *name, char *buf, uint32_t size) {
    g_self->host_calls_++;
    Wire wire;
    wire.put_text(name);
    Arena arena;
    const char *fresh_name = arena.take_text(wire);
    auto *fresh = static_cast<char *>(arena.fresh(size));
    return copy_text_back(g_self->inner_->param_string(dev, fresh_name, fresh, size), fresh, buf,
                          size);
  }
  static int32_t param_list_item(hearth_device *dev, const char *name, uint32_t index, char *buf,
                                 uint32_t size) {
    g_self->host_calls_++;
    Wire wire;
    wire.put_text(name);
    Arena arena;
    const char *fresh_name = arena.take_text(wire);
    auto *fresh = static_cast<char *>(arena.fresh(size));
    return copy_text_back(g_self->inner_->param_list_item(dev, fresh_name, index, fresh, size),
                          fresh, buf, size);
  }
  static int32_t kv_get(hearth_device *dev, const char *key, void *buf, uint32_t size) {
    g_self->host_calls_++;
    Wire wire;
    wire.put_text(key);
    Arena arena;
    const char *fresh_key = arena.take_text(wire);
    void *fresh = arena.fresh(size);
    const int32_t n = g_self->inner_->kv_get(dev, fresh_key, buf ? fresh : nullptr, size);
    if (n > 0 && buf != nullptr) {
      Wire back;
      back.put_raw(fresh, static_cast<size_t>(n));
      back.take_raw(buf, static_cast<size_t>(n));
    }
    return n;
  }
  static int32_t kv_set(hearth_device *dev, const char *key, const void *data, uint32_t length) {
    g_self->host_calls_++;
    Wire wire;
    wire.put_text(key);
    wire.put_block(data, length);
    Arena arena;
    const char *fresh_key = arena.take_text(wire);
    const void *fresh = arena.take_block(wire);
    return g_self->inner_->kv_set(dev, fresh_key, fresh, length);
  }
  static int32_t capability_register(hearth_device *dev, const char *capability,
                                     const hearth_arg *limits, uint32_t count) {
    g_self->host_calls_++;
    Wire wire;
    wire.put_text(capability);
    wire.put_block(limits, limits ? count * static_cast<uint32_t>(sizeof *limits) : 0);
    Arena arena;
    const char *fresh_capability = arena.take_text(wire);
    const auto *fresh = static_cast<const hearth_arg *>(arena.take_block(wire));
    return g_self->inner_->capability_register(dev, fresh_capability, fresh, count);
  }
  static int32_t failsafe_register(hearth_device *dev, const hearth_modbus_request *writes,
                                   uint32_t count) {
    g_self->host_calls_++;
    Wire wire;
    wire.put_block(writes, writes ? count * static_cast<uint32_t>(sizeof *writes) : 0);
    Arena arena;
    const auto *fresh = static_cast<const hearth_modbus_request *>(arena.take_block(wire));
    return g_self->inner_->failsafe_register(dev, fresh, count);
  }
  static int32_t modbus_submit(hearth_device *dev, const hearth_modbus_request *request,
                               hearth_modbus_done_fn done, void *user, uint64_t *request_id) {
    g_self->host_calls_++;
    Wire wire;
    wire.put_block(request, request ? sizeof *request : 0);
    Arena arena;
    const auto *fresh = static_cast<const hearth_modbus_request *>(arena.take_block(wire));
    CallbackRef *ref = remember({done, nullptr, user});
    uint64_t fresh_id = 0;
    const int32_t status = g_self->inner_->modbus_submit(dev, fresh, done ? &modbus_done : nullptr,
                                                         ref, request_id ? &fresh_id : nullptr);
    if (request_id != nullptr) *request_id = fresh_id;
    return status;
  }
  static int32_t hal_ct_subscribe(hearth_device *dev, const char *channel, hearth_ct_fn fn,
                                  void *user) {
    g_self->host_calls_++;
    Wire wire;
    wire.put_text(channel);
    Arena arena;
    const char *fresh_channel = arena.take_text(wire);
    return g_self->inner_->hal_ct_subscribe(dev, fresh_channel, fn ? &ct_block : nullptr,
                                            remember({nullptr, fn, user}));
  }

  static CallbackRef *remember(CallbackRef ref) {
    g_self->callback_refs_.push_back(std::make_unique<CallbackRef>(ref));
    return g_self->callback_refs_.back().get();
  }

  /* -- host -> plugin: data handed to the plugin is a copy that dies with the call --------- */

  // Copies `size` bytes into a buffer that is poisoned (and, in kFree mode, freed) by the
  // returned guard when the plugin's function has returned.
  class Handed {
   public:
    Handed(const void *data, size_t size) : size_(size), buffer_(new uint8_t[size > 0 ? size : 1]) {
      Wire wire;
      wire.put_raw(data, size);
      wire.take_raw(buffer_, size);
    }
    ~Handed() {
      std::memset(buffer_, SerialisingHost::kPoisonByte, size_);
      if (g_self->poison_ == Poison::kFree) {
        delete[] buffer_;
      } else {
        g_self->quarantine_.emplace_back(buffer_);
      }
    }
    template <class T>
    T *as() const {
      return reinterpret_cast<T *>(buffer_);
    }

   private:
    size_t size_;
    uint8_t *buffer_;
  };

  static void modbus_done(void *user, const hearth_modbus_result *result) {
    g_self->plugin_calls_++;
    const auto *ref = static_cast<const CallbackRef *>(user);
    const size_t values_bytes = result->values ? result->count * sizeof(uint16_t) : 0;
    Handed copy(result, sizeof *result);
    Handed values(result->values ? static_cast<const void *>(result->values) : "", values_bytes);
    auto *fresh = copy.as<hearth_modbus_result>();
    fresh->values = result->values ? values.as<const uint16_t>() : nullptr;
    ref->modbus_done(ref->user, fresh);
  }
  static void ct_block(void *user, const hearth_ct_block *block) {
    g_self->plugin_calls_++;
    const auto *ref = static_cast<const CallbackRef *>(user);
    Handed copy(block, sizeof *block);
    Handed voltage(block->voltage_v, block->count * sizeof(float));
    Handed current(block->current_a, block->count * sizeof(float));
    auto *fresh = copy.as<hearth_ct_block>();
    fresh->voltage_v = voltage.as<const float>();
    fresh->current_a = current.as<const float>();
    ref->ct(ref->user, fresh);
  }

  /* -- the plugin's vtable, wrapped so commands arrive as copies --------------------------- */

  struct Instance {
    const hearth_driver_desc *driver;
    void *instance;
  };
  static const hearth_driver_desc &real_driver(size_t index) {
    const hearth_plugin_desc &p = *g_self->plugin_desc_;
    return *reinterpret_cast<const hearth_driver_desc *>(reinterpret_cast<const char *>(p.drivers) +
                                                         index * p.drivers[0].struct_size);
  }
  template <size_t Index>
  static int32_t create(hearth_device *dev, void **instance) {
    g_self->plugin_calls_++;
    const hearth_driver_desc &driver = real_driver(Index);
    void *real = nullptr;
    const int32_t status = driver.create(dev, &real);
    if (status == HEARTH_OK) *instance = new Instance{&driver, real};
    return status;
  }
  static int32_t start(void *instance) {
    g_self->plugin_calls_++;
    auto *self = static_cast<Instance *>(instance);
    return self->driver->start(self->instance);
  }
  static int32_t command(void *instance, const hearth_command *cmd) {
    g_self->plugin_calls_++;
    auto *self = static_cast<Instance *>(instance);
    Handed copy(cmd, sizeof *cmd);
    return self->driver->command(self->instance, copy.as<const hearth_command>());
  }
  static void stop(void *instance) {
    g_self->plugin_calls_++;
    auto *self = static_cast<Instance *>(instance);
    self->driver->stop(self->instance);
  }
  static void destroy(void *instance) {
    g_self->plugin_calls_++;
    auto *self = static_cast<Instance *>(instance);
    self->driver->destroy(self->instance);
    delete self;
  }

  static constexpr size_t kMaxDrivers = 8;
  template <size_t... I>
  static constexpr std::array<int32_t (*)(hearth_device *, void **), sizeof...(I)> creators(
      std::index_sequence<I...>) {
    return {&create<I>...};
  }

  static const hearth_plugin_desc *entry(uint32_t host_abi, const hearth_host_api *inner) {
    SerialisingHost &self = *g_self;
    self.inner_ = inner;
    self.outer_.abi_version = inner->abi_version;
    const hearth_plugin_desc *desc = self.plugin_entry_(host_abi, &self.outer_);
    if (desc == nullptr || desc->driver_count > kMaxDrivers || desc->drivers == nullptr)
      return desc;
    self.plugin_desc_ = desc;
    static constexpr auto kCreators = creators(std::make_index_sequence<kMaxDrivers>{});
    self.wrapped_drivers_.clear();
    for (size_t i = 0; i < desc->driver_count; ++i) {
      hearth_driver_desc d = real_driver(i);
      d.struct_size = sizeof d;
      d.create = kCreators[i];
      d.start = &start;
      d.command = &command;
      d.stop = &stop;
      d.destroy = &destroy;
      self.wrapped_drivers_.push_back(d);
    }
    self.wrapped_desc_ = *desc;
    self.wrapped_desc_.drivers = self.wrapped_drivers_.data();
    return &self.wrapped_desc_;
  }

  static hearth_host_api make_outer() {
    hearth_host_api api{};
    api.struct_size = sizeof api;
    api.log = &Forward<&hearth_host_api::log>::call;
    api.now_mono_ns = &Forward<&hearth_host_api::now_mono_ns>::call;
    api.now_wall_ms = &Forward<&hearth_host_api::now_wall_ms>::call;
    api.post = &Forward<&hearth_host_api::post>::call;
    api.set_error = &Forward<&hearth_host_api::set_error>::call;
    api.device_id = &device_id;
    api.param_int = &Forward<&hearth_host_api::param_int>::call;
    api.param_double = &Forward<&hearth_host_api::param_double>::call;
    api.param_bool = &Forward<&hearth_host_api::param_bool>::call;
    api.param_string = &param_string;
    api.param_list_count = &Forward<&hearth_host_api::param_list_count>::call;
    api.param_list_item = &param_list_item;
    api.identity_set = &Forward<&hearth_host_api::identity_set>::call;
    api.timer_start = &Forward<&hearth_host_api::timer_start>::call;
    api.timer_cancel = &Forward<&hearth_host_api::timer_cancel>::call;
    api.fd_watch = &Forward<&hearth_host_api::fd_watch>::call;
    api.fd_unwatch = &Forward<&hearth_host_api::fd_unwatch>::call;
    api.work_submit = &Forward<&hearth_host_api::work_submit>::call;
    api.point_declare = &Forward<&hearth_host_api::point_declare>::call;
    api.point_publish = &Forward<&hearth_host_api::point_publish>::call;
    api.capability_register = &capability_register;
    api.command_complete = &Forward<&hearth_host_api::command_complete>::call;
    api.alarm_raise = &Forward<&hearth_host_api::alarm_raise>::call;
    api.alarm_clear = &Forward<&hearth_host_api::alarm_clear>::call;
    api.kv_get = &kv_get;
    api.kv_set = &kv_set;
    api.modbus_submit = &modbus_submit;
    api.failsafe_register = &failsafe_register;
    api.hal_do_set = &Forward<&hearth_host_api::hal_do_set>::call;
    api.hal_di_get = &Forward<&hearth_host_api::hal_di_get>::call;
    api.hal_ct_subscribe = &hal_ct_subscribe;
    api.health_set = &Forward<&hearth_host_api::health_set>::call;
    return api;
  }
};

SerialisingHost::SerialisingHost(hearth_plugin_entry_fn plugin_entry, Poison poison)
    : plugin_entry_(plugin_entry), poison_(poison), outer_(Impl::make_outer()) {
  if (g_self != nullptr) throw std::logic_error("one SerialisingHost at a time");
  g_self = this;
}

SerialisingHost::~SerialisingHost() {
  g_self = nullptr;
}

hearth_plugin_entry_fn SerialisingHost::entry() const {
  return &Impl::entry;
}

}  // namespace hearth::abi_test
