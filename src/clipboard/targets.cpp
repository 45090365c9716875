#include "clipboard/targets.hpp"

#include <algorithm>

namespace clipshare {
namespace {

std::string lower(std::string_view text) {
    std::string out{text};
    std::transform(out.begin(), out.end(), out.begin(), [](char ch) {
        return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    });
    return out;
}

bool is_space(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

}  // namespace

std::vector<std::string> parse_targets(std::string_view output) {
    std::vector<std::string> out;
    while (!output.empty()) {
        auto end = output.find('\n');
        auto line = output.substr(0, end);
        output.remove_prefix(end == std::string_view::npos ? output.size() : end + 1);
        while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
        while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
        if (!line.empty()) out.emplace_back(line);
    }
    return out;
}

Offer classify_targets(const std::vector<std::string>& targets) {
    Offer offer;
    for (const auto& target : targets) {
        // X11 atom names are case-sensitive, but MIME types are not: compare those folded.
        if (target == "UTF8_STRING" || target == "STRING" || target == "TEXT" ||
            target == "COMPOUND_TEXT") {
            offer.text = true;
            continue;
        }
        auto type = lower(target);
        if (type == "x-special/gnome-copied-files" || type == "text/uri-list") {
            offer.files = true;
        } else if (type == "image/png") {
            offer.image = true;
        } else if (type == "text/plain" || type.rfind("text/plain;", 0) == 0) {
            offer.text = true;
        }
    }
    return offer;
}

std::vector<ContentKind> preferred_kinds(const Offer& offer) {
    std::vector<ContentKind> kinds;
    if (offer.files) kinds.push_back(ContentKind::files);
    if (offer.image) kinds.push_back(ContentKind::image);
    if (offer.text) kinds.push_back(ContentKind::text);
    return kinds;
}

}  // namespace clipshare
