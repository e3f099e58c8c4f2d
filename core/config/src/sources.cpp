#include "sources.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include "suggest.hpp"

namespace hearth::config::detail {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 5> kSingleSections{"site", "hal", "energy", "state_dir",
                                                          "plugin_path"};
const std::vector<std::string> kTopLevelKeys{"site",   "hal",      "links",     "devices",
                                             "energy", "includes", "state_dir", "plugin_path"};

// A file on the include chain: its name as shown, and its identity on disk.
struct Visit {
  std::string shown;
  fs::path identity;
};

class SourceReader {
 public:
  explicit SourceReader(std::vector<Error> &errors) : errors_(errors) {}

  Sources take() { return std::move(sources_); }

  void read(const fs::path &file, const Mark &included_at) {
    const std::string shown = file.string();
    std::error_code ec;
    const fs::path identity = fs::weakly_canonical(file, ec);
    if (!enter(Visit{shown, ec ? file : identity}, included_at)) return;
    if (auto root = parse(shown, included_at)) gather(Located{*root, shown, "", Mark{shown, 1, 1}});
    chain_.pop_back();
  }

 private:
  // Refuses a file that is already on the chain (a cycle) or was read before.
  bool enter(const Visit &visit, const Mark &included_at) {
    auto on_chain = std::find_if(chain_.begin(), chain_.end(),
                                 [&](const Visit &v) { return v.identity == visit.identity; });
    if (on_chain != chain_.end()) {
      std::string cycle;
      for (auto it = on_chain; it != chain_.end(); ++it) cycle += it->shown + " -> ";
      add_error(errors_, included_at, "includes", "include cycle: " + cycle + visit.shown);
      return false;
    }
    auto [seen, inserted] = read_from_.emplace(visit.identity.string(), included_at);
    if (!inserted) {
      add_error(errors_, included_at, "includes",
                "'" + visit.shown + "' is already included (at " + place(seen->second) + ")");
      return false;
    }
    chain_.push_back(visit);
    sources_.files.push_back(visit.shown);
    return true;
  }

  // A file that cannot be opened is reported where it is included (the top file: by itself).
  std::optional<YAML::Node> parse(const std::string &shown, const Mark &included_at) {
    std::ifstream in;
    std::string reason;
    std::error_code ec;
    if (fs::is_directory(shown, ec)) {
      reason = "it is a directory";  // opening one succeeds on Linux and reads as empty
    } else {
      errno = 0;
      in.open(shown, std::ios::binary);
      if (!in) reason = errno != 0 ? std::strerror(errno) : "it cannot be opened";
    }
    if (!reason.empty()) {
      if (included_at.line > 0) {
        add_error(errors_, included_at, "includes", "cannot read '" + shown + "': " + reason);
        sources_.unreadable = true;
      } else {
        fail_to_read(Mark{shown, 0, 0}, "cannot read the file: " + reason);
      }
      return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
      return YAML::Load(text.str());
    } catch (const YAML::ParserException &e) {
      fail_to_read(Mark{shown, e.mark.line + 1, e.mark.column + 1}, e.msg);
    } catch (const YAML::Exception &e) {
      fail_to_read(Mark{shown, 0, 0}, e.what());
    }
    return std::nullopt;
  }

  void fail_to_read(Mark mark, std::string rule) {
    add_error(errors_, std::move(mark), "", std::move(rule));
    sources_.unreadable = true;
  }

  void gather(const Located &root) {
    if (root.node.IsNull()) return;  // an empty file adds nothing
    if (!root.node.IsMap()) {
      add_error(errors_, root.mark, "", "expected a map of sections, got " + describe(root.node));
      return;
    }
    std::vector<Entry> includes;
    for (auto &entry : entries_of(root, errors_)) {
      if (entry.key == "links") {
        gather_links(entry.value);
      } else if (entry.key == "devices") {
        gather_devices(entry.value);
      } else if (entry.key == "includes") {
        includes.push_back(entry);
      } else if (std::find(kSingleSections.begin(), kSingleSections.end(), entry.key) !=
                 kSingleSections.end()) {
        gather_single(entry);
      } else {
        add_error(errors_, entry.key_mark, "", unknown_name_rule("key", entry.key, kTopLevelKeys));
      }
    }
    // Included files come after the including file's own sections, in the order listed.
    for (const auto &entry : includes) follow_includes(entry.value);
  }

  void gather_single(const Entry &entry) {
    auto [first, inserted] = sources_.sections.emplace(entry.key, entry);
    if (!inserted) {
      add_error(
          errors_, entry.key_mark, entry.key,
          "defined a second time; the first definition is at " + place(first->second.key_mark));
    }
  }

  void gather_links(const Located &links) {
    if (links.node.IsNull()) return;
    if (!expect_map(links, errors_)) return;
    for (auto &entry : entries_of(links, errors_)) {
      auto first = std::find_if(sources_.links.begin(), sources_.links.end(),
                                [&](const Entry &e) { return e.key == entry.key; });
      if (first != sources_.links.end()) {
        add_error(errors_, entry.key_mark, entry.value.path,
                  "link '" + entry.key + "' is already defined at " + place(first->key_mark));
        continue;
      }
      sources_.links.push_back(std::move(entry));
    }
  }

  // A device is named by its id in messages when it has a usable one, else by its position.
  void gather_devices(const Located &devices) {
    if (devices.node.IsNull()) return;
    if (!expect_list(devices, errors_)) return;
    for (auto item : items_of(devices)) {
      const YAML::Node &entry = item.node;  // const: operator[] must not add the key
      const YAML::Node id = entry.IsMap() ? entry["id"] : YAML::Node();
      if (id.IsDefined() && id.IsScalar() && is_valid_name(id.Scalar())) {
        item.path = "devices[" + id.Scalar() + "]";
      }
      sources_.devices.push_back(std::move(item));
    }
  }

  void follow_includes(const Located &includes) {
    if (includes.node.IsNull()) return;
    if (!expect_list(includes, errors_)) return;
    const fs::path base = fs::path(includes.file).parent_path();
    for (const auto &item : items_of(includes)) {
      if (!item.node.IsScalar() || item.node.Scalar().empty()) {
        add_error(errors_, item.mark, "includes",
                  "expected a file name, got " + describe(item.node));
        continue;
      }
      read((base / item.node.Scalar()).lexically_normal(), item.mark);
    }
  }

  std::vector<Error> &errors_;
  Sources sources_;
  std::vector<Visit> chain_;
  std::map<std::string, Mark> read_from_;
};

}  // namespace

const Entry *Sources::section(const std::string &name) const {
  auto it = sections.find(name);
  return it == sections.end() ? nullptr : &it->second;
}

Sources read_sources(const std::filesystem::path &top_file, std::vector<Error> &errors) {
  SourceReader reader(errors);
  reader.read(top_file, Mark{top_file.string(), 0, 0});
  Sources sources = reader.take();
  sources.top = Mark{top_file.string(), 1, 1};
  return sources;
}

}  // namespace hearth::config::detail
