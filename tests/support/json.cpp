#include "support/json.hpp"

#include <cstdio>
#include <cstdlib>

namespace clipshare::test {

// A recursive-descent reader over the text; every method leaves `at_` past what it read, or
// sets `failed_`.
class JsonReader {
public:
    explicit JsonReader(std::string_view text) : text_(text) {}

    std::optional<Json> whole() {
        Json value = read_value(0);
        skip_space();
        if (failed_ || at_ != text_.size()) return std::nullopt;
        return value;
    }

private:
    static constexpr int kMaxDepth = 64;

    void skip_space() {
        while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' ||
                                      text_[at_] == '\r' || text_[at_] == '\t')) {
            ++at_;
        }
    }

    bool take(char c) {
        skip_space();
        if (at_ < text_.size() && text_[at_] == c) {
            ++at_;
            return true;
        }
        return false;
    }

    bool take_word(std::string_view word) {
        if (text_.substr(at_, word.size()) != word) return false;
        at_ += word.size();
        return true;
    }

    Json fail() {
        failed_ = true;
        return {};
    }

    Json read_value(int depth) {
        if (depth > kMaxDepth) return fail();
        skip_space();
        if (at_ >= text_.size()) return fail();
        Json value;
        char c = text_[at_];
        if (c == '{') return read_object(depth);
        if (c == '[') return read_array(depth);
        if (c == '"') {
            value.type_ = Json::Type::string;
            if (!read_string(value.string_)) return fail();
        } else if (take_word("true") || take_word("false")) {
            value.type_ = Json::Type::boolean;
            value.boolean_ = c == 't';
        } else if (take_word("null")) {
            value.type_ = Json::Type::null;
        } else {
            std::string number;
            while (at_ < text_.size() &&
                   std::string_view{"+-0123456789.eE"}.find(text_[at_]) != std::string_view::npos) {
                number += text_[at_++];
            }
            char* end = nullptr;
            value.type_ = Json::Type::number;
            value.number_ = std::strtod(number.c_str(), &end);
            if (number.empty() || end != number.c_str() + number.size()) return fail();
        }
        return value;
    }

    Json read_object(int depth) {
        ++at_;
        Json value;
        value.type_ = Json::Type::object;
        if (take('}')) return value;
        do {
            skip_space();
            std::string key;
            if (at_ >= text_.size() || text_[at_] != '"' || !read_string(key) || !take(':')) {
                return fail();
            }
            Json member = read_value(depth + 1);
            if (failed_) return {};
            value.members_.emplace_back(std::move(key), std::move(member));
        } while (take(','));
        return take('}') ? value : fail();
    }

    Json read_array(int depth) {
        ++at_;
        Json value;
        value.type_ = Json::Type::array;
        if (take(']')) return value;
        do {
            value.items_.push_back(read_value(depth + 1));
            if (failed_) return {};
        } while (take(','));
        return take(']') ? value : fail();
    }

    bool read_hex4(unsigned& out) {
        if (at_ + 4 > text_.size()) return false;
        out = 0;
        for (int i = 0; i < 4; ++i) {
            char c = text_[at_++];
            out <<= 4;
            if (c >= '0' && c <= '9') {
                out |= static_cast<unsigned>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                out |= static_cast<unsigned>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                out |= static_cast<unsigned>(c - 'A' + 10);
            } else {
                return false;
            }
        }
        return true;
    }

    static void append_utf8(std::string& out, unsigned code) {
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (code >> 18));
            out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        }
    }

    bool read_string(std::string& out) {
        ++at_;  // the opening quote
        while (at_ < text_.size()) {
            char c = text_[at_++];
            if (c == '"') return true;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at_ >= text_.size()) return false;
            char escape = text_[at_++];
            switch (escape) {
                case '"':
                case '\\':
                case '/':
                    out += escape;
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    unsigned code = 0;
                    if (!read_hex4(code)) return false;
                    // A surrogate pair is one code point above the basic plane.
                    if (code >= 0xD800 && code < 0xDC00 && take_word("\\u")) {
                        unsigned low = 0;
                        if (!read_hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    }
                    append_utf8(out, code);
                    break;
                }
                default:
                    return false;
            }
        }
        return false;
    }

    std::string_view text_;
    std::size_t at_ = 0;
    bool failed_ = false;
};

std::optional<Json> Json::parse(std::string_view text) {
    return JsonReader{text}.whole();
}

const Json& Json::operator[](std::string_view key) const {
    static const Json null;
    for (const auto& [name, value] : members_) {
        if (name == key) return value;
    }
    return null;
}

bool Json::has(std::string_view key) const {
    for (const auto& member : members_) {
        if (member.first == key) return true;
    }
    return false;
}

std::string Json::dump() const {
    switch (type_) {
        case Type::null:
            return "null";
        case Type::boolean:
            return boolean_ ? "true" : "false";
        case Type::number: {
            char buffer[32];
            std::snprintf(buffer, sizeof buffer, "%.17g", number_);
            return buffer;
        }
        case Type::string:
            return json_quote(string_);
        case Type::array: {
            std::string out = "[";
            for (const auto& item : items_) out += (out.size() > 1 ? "," : "") + item.dump();
            return out + "]";
        }
        case Type::object: {
            std::string out = "{";
            for (const auto& [name, value] : members_) {
                out += (out.size() > 1 ? "," : "") + json_quote(name) + ":" + value.dump();
            }
            return out + "}";
        }
    }
    return "null";
}

std::string json_quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04x", byte);
            out += escape;
        } else {
            out += c;  // UTF-8 passes as it is
        }
    }
    return out + "\"";
}

}  // namespace clipshare::test
