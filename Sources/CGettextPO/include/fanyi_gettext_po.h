// CGettextPO: GNU gettext's PO reader and writer (Debian libgettextpo-dev), with its error
// handler turned into return values.
#ifndef FANYI_GETTEXT_PO_H
#define FANYI_GETTEXT_PO_H
#include <stddef.h>
#include <gettext-po.h>

/// Reads the PO file at `path`. On any error (a syntax error, a bad header, a file that cannot be
/// read) returns NULL and writes the first message to `error` and its line (0 if none) to `line`.
/// Not thread-safe (libgettextpo keeps its handler in globals): callers hold one lock.
po_file_t fanyi_po_read(const char *path, char *error, size_t errorSize, size_t *line);

/// Writes `file` to `path`; returns 0, or -1 with the message in `error`. Same lock as reading.
int fanyi_po_write(po_file_t file, const char *path, char *error, size_t errorSize);
#endif
