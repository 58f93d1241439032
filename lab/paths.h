/*
 * paths: where caplab finds its data (lessons/, assets/) and keeps per-user state.
 *
 * Data: $CAPLAB_DATA if set; else PREFIX/share/caplab next to an installed binary
 * (BIN/../share/caplab); else the directory holding the binary (a source checkout).
 * State: $XDG_STATE_HOME/caplab, default ~/.local/state/caplab.
 *
 * Returned strings are malloc'd; the caller frees them. NULL when nothing fits
 * (paths_data_dir) or out of memory.
 */
#ifndef CAPLAB_PATHS_H
#define CAPLAB_PATHS_H

/* The data directory (contains lessons/ and assets/). */
char *paths_data_dir(void);

/* DATA/REL, e.g. paths_data_file("lessons/course.json"). */
char *paths_data_file(const char *rel);

/* The per-user state directory (not created). */
char *paths_state_dir(void);

/* The running binary's absolute path (/proc/self/exe). */
char *paths_self_exe(void);

#endif
