// A node's child names, kept as the wire lists them: each name followed by a NUL, in creation
// order. DIRECTORY replies with the bytes as they are, and a child costs its name plus one
// byte instead of a std::string each.
#pragma once

#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>

namespace tessera::xenstored {

class ChildList {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using pointer = const std::string_view*;
        using reference = std::string_view;

        iterator() = default;
        iterator(const std::string* s, std::size_t pos) : s_(s), pos_(pos) {}
        std::string_view operator*() const {
            const std::size_t end = s_->find('\0', pos_);
            return std::string_view(*s_).substr(pos_, end - pos_);
        }
        iterator& operator++() {
            pos_ = s_->find('\0', pos_) + 1;
            return *this;
        }
        iterator operator++(int) {
            iterator old = *this;
            ++*this;
            return old;
        }
        bool operator==(const iterator& o) const { return pos_ == o.pos_; }

    private:
        const std::string* s_ = nullptr;
        std::size_t pos_ = 0;
    };

    iterator begin() const { return {&names_, 0}; }
    iterator end() const { return {&names_, names_.size()}; }
    bool empty() const { return names_.empty(); }
    void clear() { names_.clear(); }
    /// The names, each NUL-terminated (DIRECTORY's reply payload).
    const std::string& bytes() const { return names_; }

    void add(std::string_view name) {
        names_.append(name);
        names_.push_back('\0');
    }
    /// Byte offset of `name`'s entry, or npos.
    std::size_t find(std::string_view name) const {
        for (std::size_t pos = 0; pos < names_.size();) {
            const std::size_t end = names_.find('\0', pos);
            if (std::string_view(names_).substr(pos, end - pos) == name) return pos;
            pos = end + 1;
        }
        return std::string::npos;
    }
    bool contains(std::string_view name) const { return find(name) != std::string::npos; }
    /// Removes `name`'s entry; false when it was not listed.
    bool remove(std::string_view name) {
        const std::size_t pos = find(name);
        if (pos == std::string::npos) return false;
        names_.erase(pos, name.size() + 1);
        return true;
    }

private:
    std::string names_;
};

}  // namespace tessera::xenstored
