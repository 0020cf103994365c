#include "fanyi_gettext_po.h"
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

// The handler may not return from a fatal error: it jumps back to the call instead. What the
// library allocated before the jump is lost (a fatal error is rare: an unreadable file).
static jmp_buf fatal;
static char *firstError;
static size_t firstErrorSize;
static size_t *firstLine;
static int errors;

static void record(int severity, const char *text, size_t lineno) {
    if (severity == PO_SEVERITY_WARNING) return;
    if (errors++ == 0 && firstError != NULL) {
        snprintf(firstError, firstErrorSize, "%s", text != NULL ? text : "error");
        if (firstLine != NULL) *firstLine = lineno == (size_t)(-1) ? 0 : lineno;
    }
    if (severity == PO_SEVERITY_FATAL_ERROR) longjmp(fatal, 1);
}

static void xerror(int severity, po_message_t message, const char *filename, size_t lineno, size_t column,
                   int multiline, const char *text) {
    (void)message; (void)filename; (void)column; (void)multiline;
    record(severity, text, lineno);
}

static void xerror2(int severity, po_message_t message1, const char *filename1, size_t lineno1, size_t column1,
                    int multiline1, const char *text1, po_message_t message2, const char *filename2, size_t lineno2,
                    size_t column2, int multiline2, const char *text2) {
    (void)message1; (void)filename1; (void)column1; (void)multiline1;
    (void)message2; (void)filename2; (void)lineno2; (void)column2; (void)multiline2; (void)text2;
    record(severity, text1, lineno1);
}

static const struct po_xerror_handler handler = { xerror, xerror2 };

static void begin(char *error, size_t errorSize, size_t *line) {
    firstError = error;
    firstErrorSize = errorSize;
    firstLine = line;
    errors = 0;
    if (error != NULL && errorSize > 0) error[0] = 0;
    if (line != NULL) *line = 0;
}

po_file_t fanyi_po_read(const char *path, char *error, size_t errorSize, size_t *line) {
    begin(error, errorSize, line);
    po_file_t volatile file = NULL;
    if (setjmp(fatal) != 0) return NULL;
    file = po_file_read(path, &handler);
    if (file == NULL && errors == 0) record(PO_SEVERITY_ERROR, "cannot be read", 0);
    if (errors > 0) {
        if (file != NULL) po_file_free(file);
        return NULL;
    }
    return file;
}

int fanyi_po_write(po_file_t file, const char *path, char *error, size_t errorSize) {
    begin(error, errorSize, NULL);
    if (setjmp(fatal) != 0) return -1;
    po_file_t written = po_file_write(file, path, &handler);
    return written == NULL || errors > 0 ? -1 : 0;
}
