// `clipshared --import-conf FILE`: the upstream ClipShare server's clipshare.conf (key=value
// lines) rewritten as the equivalent clipshared.toml. Only text in, text out: the caller reads
// the file and prints the result.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace clipshare {

struct ImportedConf {
    // The clipshared.toml text, loadable by `clipshared -c`; holds what could be carried over.
    std::string toml;
    // One line per upstream line that was not carried over, "FILE:LINE: why".
    std::vector<std::string> notes;
    // Some line was malformed, held a value we cannot take, or an unknown key: the output
    // lacks something the file meant. (Documented upstream keys that have no equivalent, such
    // as tray_icon, are notes only.)
    bool lossy = false;
};

// `file_name` only labels the notes.
ImportedConf import_upstream_conf(std::string_view text, std::string_view file_name);

}  // namespace clipshare
