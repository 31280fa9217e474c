// xl.cfg lexer and parser (grammar of Xen's libxlu_cfg_y.y, written independently here).
#include "toolstack/cfg_file.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace tessera::toolstack {
namespace {

enum class Tok {
    kIdent,
    kNumber,
    kString,
    kComma,
    kOpen,
    kClose,
    kAssign,
    kAdd,
    kSemi,
    kNewline,
    kEnd
};

struct Token {
    Tok kind;
    std::string text;  ///< identifier, number digits or the unquoted string; raw text otherwise
    int line;
};

/// Splits the configuration text into tokens, one at a time.
class Lexer {
public:
    Lexer(std::string_view text, const std::string& source) : text_(text), source_(source) {}

    Result<Token> next() {
        while (pos_ < text_.size() && (peek() == ' ' || peek() == '\t' || peek() == '\r')) ++pos_;
        if (pos_ >= text_.size()) return Token{Tok::kEnd, "", line_};
        const char c = peek();
        const int line = line_;
        if (c == '#') {
            while (pos_ < text_.size() && peek() != '\n') ++pos_;
            return next();
        }
        if (c == '\n') {
            ++pos_;
            ++line_;
            return Token{Tok::kNewline, "\n", line};
        }
        if (c >= 'a' && c <= 'z')
            return word(Tok::kIdent, [](char ch) {
                return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                       ch == '_';
            });
        if (c >= '0' && c <= '9')
            return word(Tok::kNumber, [](char ch) {
                return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || ch == 'x';
            });
        if (c == '\'' || c == '"') return quoted(c);
        if (c == '+' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '=') {
            pos_ += 2;
            return Token{Tok::kAdd, "+=", line};
        }
        static constexpr std::string_view kPunct = ",[]=;";
        static constexpr Tok kPunctTok[] = {Tok::kComma, Tok::kOpen, Tok::kClose, Tok::kAssign,
                                            Tok::kSemi};
        if (auto at = kPunct.find(c); at != std::string_view::npos) {
            ++pos_;
            return Token{kPunctTok[at], std::string(1, c), line};
        }
        return lexical_error(c);
    }

private:
    char peek() const { return text_[pos_]; }

    template <typename Pred>
    Token word(Tok kind, Pred in_word) {
        const size_t start = pos_;
        while (pos_ < text_.size() && in_word(peek())) ++pos_;
        return Token{kind, std::string(text_.substr(start, pos_ - start)), line_};
    }

    std::unexpected<Error> lexical_error(char c) const {
        size_t end = pos_;
        while (end < text_.size() && !std::isspace(static_cast<unsigned char>(text_[end]))) ++end;
        std::string msg = source_ + ":" + std::to_string(line_) + ": syntax error near \"" +
                          std::string(text_.substr(pos_, end - pos_)) + "\": unexpected character";
        if (std::string_view("+-.():").find(c) != std::string_view::npos || c == '{') {
            msg += " (this looks like Python, which xl.cfg files may no longer contain)";
        }
        return fail(msg);
    }

    Result<Token> quoted(char quote) {
        const int line = line_;
        std::string out;
        ++pos_;
        while (true) {
            if (pos_ >= text_.size() || peek() == '\n') {
                return fail(source_ + ":" + std::to_string(line) + ": unterminated string");
            }
            const char c = text_[pos_++];
            if (c == quote) break;
            if (c != '\\') {
                out += c;
                continue;
            }
            auto escaped = escape();
            if (!escaped) return std::unexpected(escaped.error());
            out += *escaped;
        }
        return Token{Tok::kString, std::move(out), line};
    }

    /// Decodes the escape after a backslash: C's single-character escapes, \xHH and \ooo.
    Result<char> escape() {
        auto bad = [&](std::string_view what) {
            return fail(source_ + ":" + std::to_string(line_) + ": " + std::string(what) +
                        " after backslash in quoted string");
        };
        if (pos_ >= text_.size() || peek() == '\n') return bad("missing character");
        const char c = text_[pos_++];
        static constexpr std::string_view kFrom = "\"'\\abfnrtv";
        static constexpr std::string_view kTo = "\"'\\\a\b\f\n\r\t\v";
        if (auto at = kFrom.find(c); at != std::string_view::npos) return kTo[at];
        auto digits = [&](int base, size_t max) {
            size_t n = 0;
            int value = 0;
            while (n < max && pos_ < text_.size()) {
                const char d = peek();
                int v = std::isdigit(static_cast<unsigned char>(d)) ? d - '0'
                        : (d >= 'a' && d <= 'f')                    ? d - 'a' + 10
                        : (d >= 'A' && d <= 'F')                    ? d - 'A' + 10
                                                                    : 99;
                if (v >= base) break;
                value = value * base + v;
                ++pos_;
                ++n;
            }
            return std::pair{n, value};
        };
        if (c == 'x') {
            auto [n, value] = digits(16, 2);
            if (n != 2) return bad("expected two hex digits");
            return static_cast<char>(value);
        }
        if (c >= '0' && c <= '7') {
            --pos_;
            auto [n, value] = digits(8, 3);
            if (value > 0xff) return bad("octal escape out of range");
            return static_cast<char>(value);
        }
        return bad(std::string("invalid character '") + c + "'");
    }

    std::string_view text_;
    const std::string& source_;
    size_t pos_ = 0;
    int line_ = 1;
};

std::string describe(const Token& t) {
    switch (t.kind) {
        case Tok::kNewline:
            return "end of line";
        case Tok::kEnd:
            return "end of file";
        case Tok::kString:
            return "\"" + t.text + "\"";
        default:
            return "\"" + t.text + "\"";
    }
}

/// Recursive-descent parser over the lexer's tokens, one token of lookahead.
class Parser {
public:
    Parser(std::string_view text, const std::string& source)
        : lexer_(text, source), source_(source) {}

    /// Calls `sink` for each assignment, in order.
    template <typename Sink>
    Result<void> run(Sink&& sink) {
        if (auto r = advance(); !r) return r;
        while (tok_.kind != Tok::kEnd) {
            if (tok_.kind == Tok::kNewline || tok_.kind == Tok::kSemi) {
                if (auto r = advance(); !r) return r;
                continue;
            }
            if (tok_.kind != Tok::kIdent) return error("expected a setting name");
            CfgSetting setting{tok_.text, {}, false};
            if (auto r = advance(); !r) return r;
            if (tok_.kind != Tok::kAssign && tok_.kind != Tok::kAdd) {
                return error("expected '=' after \"" + setting.name + "\"");
            }
            setting.appended = tok_.kind == Tok::kAdd;
            if (auto r = advance(); !r) return r;
            auto value = parse_value();
            if (!value) return std::unexpected(value.error());
            setting.value = std::move(*value);
            if (tok_.kind != Tok::kNewline && tok_.kind != Tok::kSemi && tok_.kind != Tok::kEnd) {
                return error("expected end of line or ';' after the value of \"" + setting.name +
                             "\"");
            }
            if (auto r = sink(std::move(setting)); !r) return r;
        }
        return {};
    }

private:
    Result<void> advance() {
        auto t = lexer_.next();
        if (!t) return std::unexpected(t.error());
        tok_ = std::move(*t);
        return {};
    }

    Result<void> skip_newlines() {
        while (tok_.kind == Tok::kNewline) {
            if (auto r = advance(); !r) return r;
        }
        return {};
    }

    std::unexpected<Error> error(std::string_view expected) const {
        return fail(source_ + ":" + std::to_string(tok_.line) + ": syntax error near " +
                    describe(tok_) + ": " + std::string(expected));
    }

    Result<CfgValue> parse_value() {
        CfgValue value{{}, {source_, tok_.line}};
        if (tok_.kind == Tok::kString || tok_.kind == Tok::kNumber) {
            value.data = tok_.text;
            if (auto r = advance(); !r) return std::unexpected(r.error());
            return value;
        }
        if (tok_.kind != Tok::kOpen) return error("expected a string, a number or '['");
        std::vector<CfgValue> items;
        if (auto r = advance(); !r) return std::unexpected(r.error());
        if (auto r = skip_newlines(); !r) return std::unexpected(r.error());
        while (tok_.kind != Tok::kClose) {
            auto item = parse_value();
            if (!item) return item;
            items.push_back(std::move(*item));
            if (auto r = skip_newlines(); !r) return std::unexpected(r.error());
            if (tok_.kind == Tok::kClose) break;
            if (tok_.kind != Tok::kComma) return error("expected ',' or ']' in list");
            if (auto r = advance(); !r) return std::unexpected(r.error());
            if (auto r = skip_newlines(); !r) return std::unexpected(r.error());
        }
        if (auto r = advance(); !r) return std::unexpected(r.error());
        value.data = std::move(items);
        return value;
    }

    Lexer lexer_;
    const std::string& source_;
    Token tok_{Tok::kEnd, "", 1};
};

}  // namespace

Result<CfgFile> CfgFile::parse(std::string_view text, std::string source) {
    CfgFile file;
    if (auto r = file.merge(text, std::move(source)); !r) return std::unexpected(r.error());
    return file;
}

Result<void> CfgFile::merge(std::string_view text, std::string source) {
    Parser parser(text, source);
    return parser.run([this](CfgSetting s) { return store(std::move(s)); });
}

const CfgSetting* CfgFile::find(std::string_view name) const {
    auto it = std::find_if(settings_.begin(), settings_.end(),
                           [&](const CfgSetting& s) { return s.name == name; });
    return it == settings_.end() ? nullptr : &*it;
}

Result<void> CfgFile::store(CfgSetting setting) {
    auto it = std::find_if(settings_.begin(), settings_.end(),
                           [&](const CfgSetting& s) { return s.name == setting.name; });
    if (it == settings_.end()) {
        settings_.push_back(std::move(setting));
        return {};
    }
    if (setting.appended) {
        CfgValue& prev = it->value;
        if (prev.is_atom() != setting.value.is_atom()) {
            return fail(setting.value.where.str() + ": " + setting.name +
                        ": can't add a list to a string or a string to a list");
        }
        if (prev.is_atom()) {
            setting.value.data = prev.atom() + setting.value.atom();
        } else {
            auto merged = prev.list();
            const auto& more = setting.value.list();
            merged.insert(merged.end(), more.begin(), more.end());
            setting.value.data = std::move(merged);
        }
    }
    *it = std::move(setting);
    return {};
}

}  // namespace tessera::toolstack
