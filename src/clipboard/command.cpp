#include "clipboard/command.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "clipboard/presets.hpp"
#include "clipboard/uri_list.hpp"
#include "util/line_ends.hpp"
#include "util/log.hpp"

namespace clipshare {
namespace {

// A clipboard answers in milliseconds; a screenshot of a large screen takes longer.
constexpr std::uint64_t clipboard_timeout_ms = 10'000;
constexpr std::uint64_t image_timeout_ms = 30'000;
constexpr std::size_t max_targets_size = 64 * 1024;
constexpr std::size_t max_file_list_size = 8 * 1024 * 1024;
constexpr std::size_t max_image_bytes = std::size_t{1} << 30;  // the protocol's own limit

constexpr std::array<std::uint8_t, 8> png_signature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

bool is_png(const std::vector<std::uint8_t>& bytes) {
    return bytes.size() > png_signature.size() &&
           std::equal(png_signature.begin(), png_signature.end(), bytes.begin());
}

CommandSpec reading(std::size_t max_output, std::uint64_t timeout_ms) {
    CommandSpec spec;
    spec.max_output = max_output;
    spec.timeout_ms = timeout_ms;
    return spec;
}

CommandSpec writing(std::string input) {
    CommandSpec spec;
    spec.input = std::move(input);
    spec.capture_output = false;
    spec.timeout_ms = clipboard_timeout_ms;
    return spec;
}

bool png_output(const std::optional<std::vector<std::uint8_t>>& output, const char* name) {
    if (!output) return false;
    if (!is_png(*output)) {
        LOG_INFO("clipboard: %s: the output is not a PNG image", name);
        return false;
    }
    return true;
}

void log_failure(const char* name, const CommandOutcome& outcome) {
    std::string detail = outcome.diagnostic.empty() ? "" : ": " + outcome.diagnostic;
    LOG_INFO("clipboard: %s command failed (%s)%s", name, outcome.error.c_str(), detail.c_str());
}

}  // namespace

std::vector<std::filesystem::path> distinct_roots(std::vector<std::filesystem::path> paths) {
    std::vector<std::filesystem::path> out;
    std::set<std::string> names;
    for (auto& path : paths) {
        if (names.insert(path.filename().string()).second) {
            out.push_back(std::move(path));
        } else {
            LOG_INFO("clipboard: %s left out: another copied item has the same name", path.c_str());
        }
    }
    return out;
}

CommandClipboard::CommandClipboard(uv_loop_t* loop, std::filesystem::path working_dir,
                                   DesktopCommands commands, std::int64_t max_text_length,
                                   bool cut_sent_files, MemoryBudget* budget)
    : loop_(loop),
      working_dir_(std::move(working_dir)),
      commands_(std::move(commands)),
      max_text_length_(max_text_length),
      cut_sent_files_(cut_sent_files),
      budget_(budget) {}

SharedBytes CommandClipboard::shared(const std::vector<std::uint8_t>& output, const char* name) {
    MemoryCharge charge{budget_};
    if (!charge.resize(output.size())) {
        LOG_WARN("clipboard: %s: the memory budget has no room for its output", name);
        return nullptr;
    }
    return make_shared_bytes(std::string(output.begin(), output.end()), std::move(charge));
}

CommandClipboard::~CommandClipboard() {
    cancel_all();
}

void CommandClipboard::reconfigure(std::int64_t max_text_length, bool cut_sent_files) {
    max_text_length_ = max_text_length;
    cut_sent_files_ = cut_sent_files;
}

void CommandClipboard::cancel_all() {
    for (auto& weak : running_) {
        if (auto run = weak.lock()) run->cancel();
    }
    running_.clear();
}

void CommandClipboard::run(const char* name, const DesktopCommand& command, CommandSpec spec,
                           Output done) {
    if (command.empty()) {
        LOG_INFO("clipboard: no %s command is configured", name);
        return done(std::nullopt);
    }
    spec.budget = budget_;
    if (command.input_without_first_line && spec.input) {
        *spec.input = std::string{without_first_line(*spec.input)};
    }
    if (command.shell.empty())
        return run_program(name, command.programs, 0, std::move(spec), std::move(done));
    spec.command = command.shell;
    launch(std::move(spec), [name, done = std::move(done)](CommandOutcome outcome) {
        if (outcome.ok()) return done(std::move(outcome.output));
        log_failure(name, outcome);
        done(std::nullopt);
    });
}

void CommandClipboard::run_program(const char* name, std::vector<Program> programs,
                                   std::size_t index, CommandSpec spec, Output done) {
    auto attempt = spec;  // the next alternative needs the input again
    attempt.argv = programs[index];
    launch(std::move(attempt), [this, name, programs = std::move(programs), index,
                                spec = std::move(spec),
                                done = std::move(done)](CommandOutcome outcome) mutable {
        if (outcome.ok()) return done(std::move(outcome.output));
        if (index + 1 < programs.size()) {
            LOG_DEBUG("clipboard: %s: %s failed (%s), trying %s", name, programs[index][0].c_str(),
                      outcome.error.c_str(), programs[index + 1][0].c_str());
            return run_program(name, std::move(programs), index + 1, std::move(spec),
                               std::move(done));
        }
        log_failure(name, outcome);
        done(std::nullopt);
    });
}

void CommandClipboard::launch(CommandSpec spec, std::function<void(CommandOutcome)> on_outcome) {
    std::erase_if(running_, [](const auto& weak) { return weak.expired(); });
    running_.push_back(
        CommandRun::start(loop_, std::move(spec), guard_.wrap(std::move(on_outcome))));
}

void CommandClipboard::offered(std::function<void(std::optional<Offer>)> done) {
    if (commands_.targets.empty()) return done(std::nullopt);
    run("targets", commands_.targets, reading(max_targets_size, clipboard_timeout_ms),
        [done = std::move(done)](std::optional<std::vector<std::uint8_t>> output) {
            // A failed targets command means an empty clipboard (xclip fails when no one
            // owns the selection), not an unknown one.
            if (!output) return done(Offer{});
            std::string_view text{reinterpret_cast<const char*>(output->data()), output->size()};
            done(classify_targets(parse_targets(text)));
        });
}

void CommandClipboard::fetch_text(std::function<void(SharedBytes)> done) {
    run("get_text", commands_.get_text,
        reading(static_cast<std::size_t>(max_text_length_), clipboard_timeout_ms),
        [this, done = std::move(done)](std::optional<std::vector<std::uint8_t>> output) {
            if (!output || output->empty()) return done(nullptr);
            // Served with LF line ends, as the store keeps its text (SPEC.md 4.1).
            auto text = normalize_line_ends(std::string(output->begin(), output->end()));
            MemoryCharge charge{budget_};
            if (!charge.resize(text.size())) {
                LOG_WARN("clipboard: get_text: the memory budget has no room for its output");
                return done(nullptr);
            }
            done(make_shared_bytes(std::move(text), std::move(charge)));
        });
}

void CommandClipboard::fetch_files(std::function<void(Paths)> done) {
    run("get_files", commands_.get_files, reading(max_file_list_size, clipboard_timeout_ms),
        [done = std::move(done)](std::optional<std::vector<std::uint8_t>> output) {
            if (!output) return done(std::nullopt);
            std::string_view text{reinterpret_cast<const char*>(output->data()), output->size()};
            auto list = parse_file_list(text);
            if (!list) return done(std::nullopt);
            done(distinct_roots(std::move(list->paths)));
        });
}

void CommandClipboard::fetch_image(std::function<void(std::optional<Image>)> done) {
    run("get_image", commands_.get_image, reading(max_image_bytes, image_timeout_ms),
        [this, done = std::move(done)](std::optional<std::vector<std::uint8_t>> output) {
            if (!png_output(output, "get_image")) return done(std::nullopt);
            auto bytes = shared(*output, "get_image");
            if (!bytes) return done(std::nullopt);
            done(Image{{}, std::move(bytes), 0});
        });
}

void CommandClipboard::kind(std::function<void(ContentKind)> done) {
    offered(guard_.wrap([this, done = std::move(done)](std::optional<Offer> offer) mutable {
        if (!offer) return probe(std::move(done));
        first_available(preferred_kinds(*offer), 0, std::move(done));
    }));
}

// Files are confirmed by reading the list: text/uri-list may hold only web links, and then
// the clipboard is better served as text.
void CommandClipboard::first_available(std::vector<ContentKind> kinds, std::size_t index,
                                       std::function<void(ContentKind)> done) {
    if (index == kinds.size()) return done(ContentKind::empty);
    if (kinds[index] != ContentKind::files) return done(kinds[index]);
    fetch_files(guard_.wrap(
        [this, kinds = std::move(kinds), index, done = std::move(done)](Paths paths) mutable {
            if (paths && !paths->empty()) return done(ContentKind::files);
            first_available(std::move(kinds), index + 1, std::move(done));
        }));
}

// Without a targets command the only way to know is to ask for each kind in turn.
void CommandClipboard::probe(std::function<void(ContentKind)> done) {
    fetch_files(guard_.wrap([this, done = std::move(done)](Paths paths) mutable {
        if (paths && !paths->empty()) return done(ContentKind::files);
        fetch_image(guard_.wrap([this, done = std::move(done)](std::optional<Image> image) mutable {
            if (image) return done(ContentKind::image);
            fetch_text([done = std::move(done)](SharedBytes text) {
                done(text ? ContentKind::text : ContentKind::empty);
            });
        }));
    }));
}

void CommandClipboard::get_text(std::function<void(SharedBytes)> done) {
    offered(guard_.wrap([this, done = std::move(done)](std::optional<Offer> offer) mutable {
        if (offer && !offer->text) return done(nullptr);
        fetch_text(std::move(done));
    }));
}

void CommandClipboard::get_files(std::function<void(Paths)> done) {
    offered(guard_.wrap([this, done = std::move(done)](std::optional<Offer> offer) mutable {
        if (offer && !offer->files) return done(std::nullopt);
        fetch_files(std::move(done));
    }));
}

void CommandClipboard::get_image(std::function<void(std::optional<Image>)> done) {
    offered(guard_.wrap([this, done = std::move(done)](std::optional<Offer> offer) mutable {
        if (offer && !offer->image) return done(std::nullopt);
        fetch_image(std::move(done));
    }));
}

void CommandClipboard::screenshot(std::int64_t display,
                                  std::function<void(std::optional<Image>)> done) {
    auto spec = reading(max_image_bytes, image_timeout_ms);
    spec.environment.push_back("CLIPSHARE_DISPLAY=" + std::to_string(display));
    DesktopCommand command = commands_.screenshot;
    for (auto& program : command.programs) program = with_display(std::move(program), display);
    run("screenshot", command, std::move(spec),
        [this, done = std::move(done)](std::optional<std::vector<std::uint8_t>> output) {
            if (!png_output(output, "screenshot")) return done(std::nullopt);
            auto bytes = shared(*output, "screenshot");
            if (!bytes) return done(std::nullopt);
            done(Image{{}, std::move(bytes), 0});
        });
}

void CommandClipboard::set_text(SharedBytes text, Done done) {
    if (commands_.set_text.empty()) return done("no set_text command is configured");
    run("set_text", commands_.set_text, writing(text->bytes),
        [done = std::move(done)](std::optional<std::vector<std::uint8_t>> output) {
            // The text exists nowhere else: if it did not reach the clipboard, the upload
            // failed and the client gets no acknowledgement.
            done(output ? "" : "the set_text command failed");
        });
}

void CommandClipboard::set_files(std::vector<PlacedItem> items, Done done) {
    FileList list;
    list.cut = cut_sent_files_;
    for (const auto& item : items) list.paths.push_back(working_dir_ / item.name);
    if (commands_.set_files.empty() || list.paths.empty()) return done("");
    run("set_files", commands_.set_files, writing(format_file_list(list)),
        [done = std::move(done)](std::optional<std::vector<std::uint8_t>>) {
            // The files are stored in working_dir whether or not the desktop took the list
            // (a failure was logged), so the upload itself succeeded.
            done("");
        });
}

}  // namespace clipshare
