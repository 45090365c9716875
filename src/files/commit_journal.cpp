#include "files/commit_journal.hpp"

#include <charconv>

namespace clipshare {
namespace {

constexpr std::string_view header = "clipshare-journal 1 ";
constexpr std::string_view end_line = "end";

// Names never hold bytes below 0x20 (files/names.hpp), so a tab and a newline separate
// fields and lines unambiguously.
std::string entry_line(const JournalEntry& entry) {
    std::string line{entry.type};
    line += '\t';
    line += entry.item;
    line += '\t';
    line += entry.target;
    line += '\n';
    return line;
}

std::optional<JournalEntry> parse_entry(std::string_view line) {
    if (line.size() < 5 || line[1] != '\t') return std::nullopt;
    char type = line[0];
    if (type != 'f' && type != 'p' && type != 'd') return std::nullopt;
    line.remove_prefix(2);
    auto tab = line.find('\t');
    if (tab == std::string_view::npos || tab == 0 || tab + 1 == line.size()) return std::nullopt;
    JournalEntry entry{type, std::string{line.substr(0, tab)}, std::string{line.substr(tab + 1)}};
    if (entry.item.find('/') != std::string::npos || entry.target.find('/') != std::string::npos ||
        entry.target.find('\t') != std::string::npos) {
        return std::nullopt;
    }
    return entry;
}

}  // namespace

std::string journal_text(const Journal& journal) {
    std::string text{header};
    text += std::to_string(journal.sequence);
    text += '\n';
    for (const auto& entry : journal.entries) text += entry_line(entry);
    text += end_line;
    text += '\n';
    return text;
}

std::string journal_amendment(const JournalEntry& entry) {
    return entry_line(entry);
}

std::optional<Journal> parse_journal(std::string_view text) {
    auto next_line = [&text]() -> std::optional<std::string_view> {
        auto newline = text.find('\n');
        if (newline == std::string_view::npos) return std::nullopt;  // torn: never complete
        auto line = text.substr(0, newline);
        text.remove_prefix(newline + 1);
        return line;
    };
    auto first = next_line();
    if (!first || first->substr(0, header.size()) != header) return std::nullopt;
    auto number = first->substr(header.size());
    Journal journal;
    auto [end, error] =
        std::from_chars(number.data(), number.data() + number.size(), journal.sequence);
    if (error != std::errc{} || end != number.data() + number.size()) return std::nullopt;
    bool ended = false;
    while (auto line = next_line()) {
        if (!ended && *line == end_line) {
            ended = true;
            continue;
        }
        auto entry = parse_entry(*line);
        if (!entry) return std::nullopt;
        if (!ended) {
            journal.entries.push_back(std::move(*entry));
            continue;
        }
        // An amendment: it renames an entry of the journal.
        bool known = false;
        for (auto& existing : journal.entries) {
            if (existing.item == entry->item) {
                existing.target = entry->target;
                known = true;
            }
        }
        if (!known) return std::nullopt;
    }
    if (!ended) return std::nullopt;
    return journal;
}

}  // namespace clipshare
