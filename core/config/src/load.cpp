// load_file: read the files, check each section, then what spans sections.
#include <algorithm>

#include "sections.hpp"

namespace hearth::config {
namespace {

// Errors in the order an integrator fixes them: file by file (as read), top to bottom.
void sort_errors(std::vector<Error> &errors, const std::vector<std::string> &files) {
  auto file_rank = [&files](const std::string &file) {
    return std::find(files.begin(), files.end(), file) - files.begin();
  };
  std::stable_sort(errors.begin(), errors.end(), [&](const Error &a, const Error &b) {
    const auto rank_a = file_rank(a.mark.file), rank_b = file_rank(b.mark.file);
    if (rank_a != rank_b) return rank_a < rank_b;
    if (a.mark.line != b.mark.line) return a.mark.line < b.mark.line;
    return a.mark.column < b.mark.column;
  });
}

// Each section after those it refers to: devices need the links, energy the devices and the site.
void check_sections(const detail::Sources &sources, const DriverCatalog &catalog, Config &config,
                    std::vector<Error> &errors) {
  config.site = detail::check_site(sources, errors);
  detail::check_hal(sources, config, errors);
  config.links = detail::check_links(sources, errors);
  auto devices = detail::check_devices(sources, config.links, catalog, errors);
  detail::check_site_limits(devices, config.links, errors);
  for (auto &device : devices) {
    device.config.fingerprint = detail::fingerprint(device.config, config.links);
    config.devices.push_back(std::move(device.config));
  }
  config.energy = detail::check_energy(sources, config, errors);
  detail::check_paths(sources, config, errors);
}

}  // namespace

LoadResult load_file(const std::filesystem::path &path, const DriverCatalog &catalog) {
  LoadResult result;
  auto &errors = result.errors;
  try {
    const detail::Sources sources = detail::read_sources(path, errors);
    result.config.files = sources.files;
    // After a syntax error the file's sections are missing; checking the rest would only add
    // confusing follow-up errors ("unknown link") to the one that matters.
    if (!sources.unreadable) check_sections(sources, catalog, result.config, errors);
  } catch (const std::exception &e) {
    // A shape of document the checks did not foresee: hearthd --check must still answer.
    errors.push_back(
        Error{Mark{path.string(), 0, 0}, "",
              std::string("internal error while checking (please report): ") + e.what()});
  }
  sort_errors(errors, result.config.files);
  return result;
}

}  // namespace hearth::config
